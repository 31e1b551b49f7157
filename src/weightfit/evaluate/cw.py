"""The Clark-West test: does a model that nests naive add anything to it?

Clark & West (2007). When a model contains the benchmark (some weights make it the naive
forecast), the Diebold-Mariano test is undersized: under the null the bigger model's estimated
extra weights only add noise, so its MSE is expected to be *higher* than naive's and DM rarely
rejects. Clark and West adjust the model's squared error by the squared gap between the two
forecasts:

    f_t = e_naive_t^2 - (e_model_t^2 - (yhat_naive_t - yhat_model_t)^2)
    CW = mean(f) / se(mean f),   p = P(N(0, 1) > CW)   (one-sided: the model is better)

``se`` is Newey-West with ``h - 1`` lags (the h-step errors overlap). Computed for every series
at once, from segment sums.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from weightfit.evaluate.hac import newey_west


def clark_west(
    e_model: np.ndarray,  # (N,) errors of the nesting model, time-ordered within each series
    e_naive: np.ndarray,  # (N,) errors of naive (the nested benchmark)
    series: np.ndarray | None = None,  # (N,) int series code; rows of a series contiguous
    h: int = 1,
    n_series: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The CW statistic and its one-sided p-value (alternative: the model is more accurate),
    per series. The forecasts' gap is ``e_model - e_naive`` (``y`` cancels). NaN where the
    adjusted differential has no variance (the model forecasts exactly naive).

    >>> e_naive = np.array([1.0, -2.0, 1.5, -1.0, 2.5, -0.5, 1.0, -2.0])
    >>> stat, p = clark_west(e_naive * 0.5, e_naive)
    >>> bool(stat[0] > 0 and p[0] < 0.05)
    True
    """
    gap = e_model - e_naive  # yhat_naive - yhat_model
    f = e_naive * e_naive - (e_model * e_model - gap * gap)
    mean, se, _ = newey_west(f, series, lags=h - 1, n_series=n_series)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = mean / se
    p = special.ndtr(-stat)  # P(Z > CW)
    return stat, p
