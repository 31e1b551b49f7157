"""The mean of a series and its Newey-West (1987) standard error, for every series at once.

For a differential ``d_t`` (t = 1..T within a series) and ``L`` lags:

    g_k = sum_t (d_t - mean)(d_{t-k} - mean) / T,   V = g_0 + 2 sum_{k=1}^{L} (1 - k / (L + 1)) g_k

and the standard error of the mean is ``sqrt(V / T)`` (Bartlett weights, no small-sample
correction: statsmodels' ``cov_type="HAC"`` with ``maxlags=L``, the tests' oracle).
"""

from __future__ import annotations

import numpy as np


def newey_west(
    d: np.ndarray,  # (N,) values, time-ordered within each series
    series: np.ndarray | None = None,  # (N,) int series code; rows of a series contiguous
    lags: int = 0,
    n_series: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(mean, standard error, count)`` per series, each ``(S,)``; NaN standard error where
    the variance is not positive or a series has fewer than two values.

    >>> mean, se, n = newey_west(np.array([1.0, 2.0, 3.0, 6.0]))
    >>> float(mean[0]), round(float(se[0]), 6), int(n[0])
    (3.0, 0.935414, 4)
    """
    series = np.zeros(len(d), dtype=np.int64) if series is None else np.asarray(series)
    if n_series is None:
        n_series = int(series.max()) + 1 if len(series) else 0
    count = np.bincount(series, minlength=n_series).astype(float)  # (S,) T per series
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(series, weights=d, minlength=n_series) / count
        centred = d - mean[series]
        var = np.bincount(series, weights=centred**2, minlength=n_series) / count  # g_0
        for k in range(1, lags + 1):
            same = series[k:] == series[:-k]
            lagged = np.where(same, centred[k:] * centred[:-k], 0.0)
            g_k = np.bincount(series[k:], weights=lagged, minlength=n_series) / count
            var += 2 * (1 - k / (lags + 1)) * g_k
        se = np.sqrt(var / count)
    se[~(var > 0) | (count < 2)] = np.nan
    return mean, se, count
