"""The Diebold-Mariano test of equal accuracy, with the Harvey-Leybourne-Newbold correction.

Diebold & Mariano (1995); Harvey, Leybourne & Newbold (1997). For forecast errors ``e1`` (a
model) and ``e2`` (the benchmark) at horizon ``h``, with loss ``|e|^power``:

    d_t = |e1_t|^p - |e2_t|^p,   V = (g_0 + 2 sum_{k=1}^{h-1} g_k) / T,   DM = mean(d) / sqrt(V)
    DM* = DM * sqrt((T + 1 - 2h + h (h - 1) / T) / T),   p = 2 P(t_{T-1} > |DM*|)

``g_k`` is the k-th autocovariance of d. Computed for every series at once.
"""

from __future__ import annotations

import numpy as np
from scipy import special


def diebold_mariano(
    e1: np.ndarray,  # (N,) errors of the model, time-ordered within each series
    e2: np.ndarray,  # (N,) errors of the benchmark
    series: np.ndarray | None = None,  # (N,) int series code; rows of a series contiguous
    h: int = 1,
    power: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """The HLN-corrected statistic and two-sided p-value, per series. A negative statistic
    means the model's loss is lower. Where the differential has no variance, p is NaN.

    >>> e_naive = np.array([1.0, -2.0, 1.5, -1.0, 2.5, -0.5, 1.0, -2.0])
    >>> stat, p = diebold_mariano(e_naive * 0.5, e_naive)
    >>> bool(stat[0] < 0 and p[0] < 0.05)
    True
    """
    series = np.zeros(len(e1), dtype=np.int64) if series is None else np.asarray(series)
    n_series = int(series.max()) + 1 if len(series) else 0
    d = e1 * e1 - e2 * e2 if power == 2 else np.abs(e1) ** power - np.abs(e2) ** power
    count = np.bincount(series, minlength=n_series).astype(float)  # T per series
    mean = np.bincount(series, weights=d, minlength=n_series) / count
    centred = d - mean[series]
    var = np.bincount(series, weights=centred**2, minlength=n_series) / count  # g_0
    for k in range(1, h):
        same = series[k:] == series[:-k]
        lagged = np.where(same, centred[k:] * centred[:-k], 0.0)
        var += 2 * np.bincount(series[k:], weights=lagged, minlength=n_series) / count
    with np.errstate(divide="ignore", invalid="ignore"):
        dm = mean / np.sqrt(var / count)
        correction = np.sqrt((count + 1 - 2 * h + h * (h - 1) / count) / count)
        stat = dm * correction
        p = 2 * special.stdtr(count - 1, -np.abs(stat))  # the t survival function, as a ufunc
    bad = ~(var > 0) | (count < 2)
    stat[bad], p[bad] = np.nan, np.nan
    return stat, p
