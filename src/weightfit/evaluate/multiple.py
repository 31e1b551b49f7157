"""Many series, many models: the tests that account for how many were tried.

- ``fdr``: Benjamini-Hochberg (1995) q-values over series (``scipy.stats.false_discovery_control``),
  so "beats naive on k of N series" holds at a 5% false-discovery rate;
- ``pooled_test``: one test over all series on scale-free loss differentials (each series'
  differential over its naive MSE), averaged across series at each forecast date, then a
  Newey-West test over time: robust to series that move together;
- ``spa_mcs``: Hansen's (2005) test of superior predictive ability ("does the best of the N
  models beat naive?") and the Model Confidence Set (Hansen, Lunde & Nason 2011), from ``arch``,
  with a seeded stationary bootstrap (Politis & Romano 1994).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special, stats

from weightfit.evaluate.hac import newey_west

SEED = 0
REPS = 1000
MAX_LENGTH = 5_000  # longer loss series are bootstrapped as means of consecutive chunks
MCS_SIZE = 0.10  # the MCS holds the best model with 90% probability
MAX_SERIES = 20  # per-series SPA and MCS up to this many series; pooled beyond


def fdr(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values of the finite p-values; NaN stays NaN.

    >>> fdr(np.array([0.01, 0.02, np.nan, 0.5])).round(3).tolist()
    [0.03, 0.03, nan, 0.5]
    """
    q = np.full(len(p), np.nan)
    ok = np.isfinite(p)
    if ok.any():
        q[ok] = stats.false_discovery_control(np.clip(p[ok], 0, 1))
    return q


def block_size(n: int, h: int = 1) -> int:
    """The stationary bootstrap's mean block length: ``max(h, round(n^(1/3)))``."""
    return max(h, round(n ** (1 / 3)))


def pooled_lags(n: int, h: int = 1) -> int:
    """Newey-West lags over time: ``max(h - 1, floor(4 (n / 100)^(2/9)))`` (Newey & West 1994)."""
    return max(h - 1, int(4 * (n / 100) ** (2 / 9)))


def by_date(values: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """(N, ...) rows -> (D, ...) the mean over the rows of each date; ``dates`` are int codes
    in time order."""
    n_dates = int(dates.max()) + 1 if len(dates) else 0
    count = np.bincount(dates, minlength=n_dates)
    if values.ndim == 1:
        return np.bincount(dates, weights=values, minlength=n_dates) / count
    return np.stack([by_date(values[:, j], dates) for j in range(values.shape[1])], axis=1)


def pooled_test(d: np.ndarray, dates: np.ndarray, h: int, one_sided: bool) -> dict[str, Any]:
    """One test over all series that the mean of ``d`` (rows: a scale-free loss differential,
    naive minus model, so positive favours the model) is zero, on the cross-sectional mean at
    each date. ``one_sided``: the alternative is "the model is better" (Clark-West);
    otherwise two-sided (Diebold-Mariano). p from Student's t with n - 1 degrees of freedom."""
    return pooled_test_of(by_date(d, dates), h, one_sided)


def pooled_test_of(means: np.ndarray, h: int, one_sided: bool) -> dict[str, Any]:
    """``pooled_test`` on the (D,) cross-sectional means per date, in time order (NaN dates
    left out): what partitions add up to (``summary.Tally``)."""
    series = means[np.isfinite(means)]
    lags = pooled_lags(len(series), h)
    mean, se, n = newey_west(series, lags=lags, n_series=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = float(mean[0] / se[0])
    df = max(float(n[0]) - 1, 1.0)
    p = float(special.stdtr(df, -stat)) if one_sided else float(2 * special.stdtr(df, -abs(stat)))
    return {
        "statistic": _num(stat),
        "p_value": _num(p),
        "n": int(n[0]),
        "mean": _num(float(mean[0])),
        "alternative": "greater" if one_sided else "two-sided",
        "lags": lags,
        "kernel": "Bartlett (Newey-West)",
        "distribution": f"t({df:g})",
    }


def spa_mcs(losses: np.ndarray, names: list[str], h: int = 1) -> dict[str, Any]:
    """SPA of every model against the first column (naive) and the 90% MCS of all columns.

    ``losses``: (T, M) losses in time order, column 0 the benchmark. Returns the SPA's
    consistent p-value ("the best of the M - 1 models is no better than naive"), the MCS
    members and p-values, and the options (block size, replications, seed)."""
    from arch.bootstrap import MCS, SPA  # a heavy import, only when there are models to test

    ok = np.isfinite(losses).all(axis=1)
    losses = losses[ok]
    n = len(losses)
    chunk = -(-n // MAX_LENGTH)  # 1 up to MAX_LENGTH rows
    if chunk > 1:  # the bootstrap's cost is reps x rows: keep it bounded on very long series,
        # on means of `chunk` consecutive losses (the same mean; for weakly dependent losses
        # nearly the same long-run variance); the oldest n % chunk rows are left out
        whole = n - n % chunk
        losses = losses[n - whole :].reshape(whole // chunk, chunk, -1).mean(axis=1)
    block = block_size(len(losses), h)
    options = {"bootstrap": "stationary", "block_size": block, "reps": REPS, "seed": SEED}
    if chunk > 1:
        options["means_of"] = chunk
    if len(losses) < 3 or losses.shape[1] < 2:
        return {"spa": None, "mcs": None, "models_tried": losses.shape[1] - 1}
    # arch 8.0's SPA compares the raw mean differentials (its ``studentize`` only sets the
    # threshold of the consistent p-value), so one noisy model sets the bar for all; Hansen's
    # statistic is studentized. Passing each differential over its standard deviation (the
    # stationary bootstrap's own kernel, Hansen 2005 eq. 7) and a zero benchmark makes arch
    # compute Hansen's test.
    d = losses[:, :1] - losses[:, 1:]  # (T, M - 1) naive's loss minus each model's
    omega = np.sqrt(_bootstrap_variance(d, block))
    scaled = d / np.where(omega > 0, omega, np.nan)
    keep = np.isfinite(scaled).all(axis=0)  # a model identical to naive has nothing to test
    if not keep.any():
        return {"spa": None, "mcs": None, "models_tried": losses.shape[1] - 1}
    spa = SPA(np.zeros(len(d)), -scaled[:, keep], block_size=block, reps=REPS, seed=SEED)
    spa.compute()
    p = spa.pvalues
    # models with identical losses (a network that stayed at its naive start) are one model to
    # the MCS: arch divides their zero differential by a zero variance. Test the distinct ones
    # and give each twin its original's result.
    _, first, twin = np.unique(losses.T, axis=0, return_index=True, return_inverse=True)
    twin = np.asarray(twin).reshape(-1)
    distinct = np.sort(first)
    column = {int(c): k for k, c in enumerate(distinct)}  # original column -> MCS column
    of = [column[int(first[t])] for t in twin]  # each model's distinct column
    if len(distinct) < 2:
        members, mcs_p = list(names), {n: 1.0 for n in names}
    else:
        mcs = MCS(losses[:, distinct], size=MCS_SIZE, reps=REPS, block_size=block, method="R",
                  seed=SEED)  # fmt: skip
        mcs.compute()
        kept = {int(str(i)) for i in mcs.included}
        pv = {int(i): float(v) for i, v in mcs.pvalues["Pvalue"].items()}
        members = [n for n, k in zip(names, of, strict=True) if k in kept]
        mcs_p = {n: pv[k] for n, k in zip(names, of, strict=True)}
    return {
        "models_tried": losses.shape[1] - 1,
        "spa": {
            "test": "SPA (Hansen 2005)",
            "p_value": float(p["consistent"]),
            "p_lower": float(p["lower"]),
            "p_upper": float(p["upper"]),
            "n": n,
            "alternative": "the best model beats naive",
            "studentized": "by the stationary bootstrap's kernel variance (Hansen 2005)",
            **options,
        },
        "mcs": {
            "test": "MCS (Hansen, Lunde & Nason 2011), range statistic",
            "size": MCS_SIZE,
            "members": members,
            "p_values": mcs_p,
            "n": n,
            **options,
        },
    }


def _bootstrap_variance(d: np.ndarray, block: int) -> np.ndarray:
    """(T, K) -> (K,) the long-run variance of each column with the stationary bootstrap's
    kernel: g_0 + 2 sum_i k_i g_i, k_i = (1 - i/T)(1 - q)^i + (i/T)(1 - q)^(T - i), q = 1/block
    (Politis & Romano 1994; Hansen 2005, eq. 7); autocovariances by FFT."""
    t = len(d)
    c = d - d.mean(axis=0)
    spectrum = np.fft.rfft(c, n=2 * t, axis=0)
    gamma = np.fft.irfft(spectrum * spectrum.conj(), n=2 * t, axis=0)[:t] / t  # (T, K) g_0..
    i = np.arange(1, t)
    q = 1 / block
    kernel = (1 - i / t) * (1 - q) ** i + (i / t) * (1 - q) ** (t - i)
    return gamma[0] + 2 * (kernel[:, None] * gamma[1:]).sum(axis=0)


def _num(x: float) -> float | None:
    return None if x != x else x
