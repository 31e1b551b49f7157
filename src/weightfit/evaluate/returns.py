"""The returns view: every price forecast is a return forecast, ``r_hat = y_hat / y_last - 1``.

A price model's R^2 on prices is near 1 for any model that stays near the last price (prices
wander far from their mean; the last price explains almost all of that): the "price R^2
illusion". On returns the bar is the zero-return forecast, which is naive:

- ``r2_price``: 1 - SSE / sum (y - mean y)^2 on the test prices (the illusion);
- ``r2_return``: out-of-sample R^2 of returns against the zero-return forecast,
  1 - sum (r - r_hat)^2 / sum r^2 (Campbell & Thompson 2008, with zero as the benchmark);
- ``hit_rate``: the share of forecasts that call the direction (up, or not up) right;
  ``hit_base``: the hit rate of always calling the more frequent direction of the test part;
- ``pt``, ``p_pt``: the Pesaran-Timmermann (1992) test that the calls and the moves are
  independent, one-sided (alternative: the calls are better than chance):

      P = hit rate, P_y = share up, P_x = share called up, P* = P_y P_x + (1 - P_y)(1 - P_x)
      V(P) = P*(1 - P*) / n
      V(P*) = (2P_y - 1)^2 P_x(1 - P_x) / n + (2P_x - 1)^2 P_y(1 - P_y) / n
              + 4 P_y P_x (1 - P_y)(1 - P_x) / n^2
      PT = (P - P*) / sqrt(V(P) - V(P*)) ~ N(0, 1)

  NaN where the forecasts always call the same direction (naive calls none: "not up").
All per series, for every series at once.
"""

from __future__ import annotations

import numpy as np
from scipy import special


def returns_view(
    y: np.ndarray,  # (N,) actual prices
    f: np.ndarray,  # (N,) forecast prices
    last: np.ndarray,  # (N,) the last price seen at each forecast's cutoff
    series: np.ndarray,  # (N,) int series code
    n_series: int,
) -> dict[str, np.ndarray]:
    """``{r2_price, r2_return, hit_rate, hit_base, pt, p_pt}``, each ``(S,)``.

    >>> y, last = np.array([101.0, 99.0, 102.0, 100.0]), np.array([100.0, 101.0, 99.0, 102.0])
    >>> view = returns_view(y, last + np.array([0.5, -1, 1, -1]), last, np.zeros(4, int), 1)
    >>> float(view["hit_rate"][0]), float(view["hit_base"][0])
    (1.0, 0.5)
    """

    def total(values: np.ndarray) -> np.ndarray:  # (N,) -> (S,)
        return np.bincount(series, weights=values, minlength=n_series)

    n = np.bincount(series, minlength=n_series).astype(float)
    r, r_hat = y / last - 1, f / last - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        y_mean = total(y) / n
        r2_price = 1 - total((y - f) ** 2) / total((y - y_mean[series]) ** 2)
        r2_return = 1 - total((r - r_hat) ** 2) / total(r**2)
        up, called = r > 0, r_hat > 0
        p = total((up == called).astype(float)) / n
        py, px = total(up.astype(float)) / n, total(called.astype(float)) / n
        p_star = py * px + (1 - py) * (1 - px)
        v_p = p_star * (1 - p_star) / n
        v_star = (
            (2 * py - 1) ** 2 * px * (1 - px) / n
            + (2 * px - 1) ** 2 * py * (1 - py) / n
            + 4 * py * px * (1 - py) * (1 - px) / n**2
        )
        var = v_p - v_star
        pt = (p - p_star) / np.sqrt(np.where(var > 0, var, np.nan))
    return {
        "r2_price": r2_price,
        "r2_return": r2_return,
        "hit_rate": p,
        "hit_base": np.maximum(py, 1 - py),
        "pt": pt,
        "p_pt": special.ndtr(-pt),
    }
