"""Is run B better than run A? Their forecasts paired, tested per series and pooled.

The two runs' forecasts are paired on ``(unique_id, ds, cutoff)``. Per series, a
Diebold-Mariano test (HLN-corrected, squared error; Diebold & Mariano 1995, Harvey, Leybourne &
Newbold 1997) of B's model against A's; across series, the Benjamini-Hochberg procedure
(Benjamini & Hochberg 1995) keeps the expected share of false wins under ``alpha``. The pooled
test divides each series' loss differential by its A-MSE (so no ticker dominates by its
price), averages across series at each time point, and runs one DM test over time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from weightfit.errors import ConfigError
from weightfit.evaluate.dm import diebold_mariano

KEYS = ["unique_id", "ds", "cutoff"]


@dataclass(frozen=True)
class Comparison:
    """Run B's model against run A's: per series and pooled."""

    a: str  # labels of the two runs, e.g. "run 3"
    b: str
    model_a: str
    model_b: str
    series: pd.DataFrame  # unique_id, forecasts, mse_a, mse_b, skill, dm, p_value, q_value, status
    pooled_dm: float  # negative: B's loss is lower
    pooled_p: float
    pooled_skill: float  # 1 - mean over series of MSE_B / MSE_A
    alpha: float
    pairs: int  # forecasts paired

    @property
    def wins(self) -> int:
        """Series on which B is better at the false-discovery rate ``alpha``."""
        return int((self.series["status"] == "b_better").sum())

    @property
    def losses(self) -> int:
        return int((self.series["status"] == "a_better").sum())

    def summary(self) -> str:
        """One sentence, e.g. 'run 2 beats run 1 on 41 of 2,000 series at a 5% false-discovery
        rate; pooled p = 0.003'."""
        n = len(self.series)
        p = self.pooled_p
        pooled = "p = n/a" if p != p else f"p = {p:.2g}" if p >= 0.001 else "p < 0.001"
        direction = "lower" if self.pooled_dm < 0 else "higher"
        return (
            f"{self.b} beats {self.a} on {self.wins:,} of {n:,} series at a {self.alpha:.0%} "
            f"false-discovery rate ({self.a} beats {self.b} on {self.losses:,}); pooled "
            f"{pooled}, {self.b}'s scaled loss {direction} by {abs(self.pooled_skill):.2%} "
            f"({self.model_b} against {self.model_a})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "model_a": self.model_a,
            "model_b": self.model_b,
            "series": len(self.series),
            "forecasts": self.pairs,
            "b_better": self.wins,
            "a_better": self.losses,
            "alpha": self.alpha,
            "pooled_dm": _num(self.pooled_dm),
            "pooled_p": _num(self.pooled_p),
            "pooled_skill": _num(self.pooled_skill),
            "summary": self.summary(),
        }


def compare_forecasts(
    a: pd.DataFrame,
    b: pd.DataFrame,
    model_a: str,
    model_b: str,
    *,
    labels: tuple[str, str] = ("run A", "run B"),
    alpha: float = 0.05,
) -> Comparison:
    """Test ``b[model_b]`` against ``a[model_a]``, both in the cross-validation layout
    (unique_id, ds, cutoff, y, one column per model). Forecasts present in only one are left
    out; with ``h`` steps per cutoff, the h-step forecasts are tested (as ``wf.fit`` does).

    >>> rng = np.random.default_rng(0)
    >>> ds = pd.date_range("2020-01-01", periods=200)
    >>> y = rng.normal(size=200)
    >>> a = pd.DataFrame({"unique_id": "X", "ds": ds, "cutoff": ds, "y": y, "m": y + 1.0})
    >>> b = a.assign(m=y + 0.1)
    >>> c = compare_forecasts(a, b, "m", "m")
    >>> c.wins, bool(c.pooled_p < 0.001)
    (1, True)
    """
    for frame, model, label in ((a, model_a, labels[0]), (b, model_b, labels[1])):
        if model not in frame.columns:
            models = [c for c in frame.columns if c not in [*KEYS, "y"]]
            raise ConfigError(f"{label} has no model {model!r}: expected one of {models}")
    pairs = a[[*KEYS, "y", model_a]].merge(
        b[[*KEYS, "y", model_b]], on=KEYS, suffixes=("_a", "_b"), validate="one_to_one"
    )
    if pairs.empty:
        raise ConfigError(
            f"{labels[0]} and {labels[1]} share no forecast (unique_id, ds, cutoff): "
            "were they run on the same data with the same test split?"
        )
    pairs = pairs.sort_values(["unique_id", "cutoff", "ds"], kind="stable", ignore_index=True)
    horizon = pairs.groupby(["unique_id", "cutoff"], sort=False).cumcount().to_numpy() + 1
    h = int(horizon.max())
    pairs = pairs[horizon == h]  # the h-step errors, autocorrelated up to lag h - 1
    col_a = f"{model_a}_a" if model_a == model_b else model_a
    col_b = f"{model_b}_b" if model_a == model_b else model_b
    e_a = (pairs["y_a"] - pairs[col_a]).to_numpy(float)
    e_b = (pairs["y_b"] - pairs[col_b]).to_numpy(float)
    ok = np.isfinite(e_a) & np.isfinite(e_b)
    pairs, e_a, e_b = pairs[ok], e_a[ok], e_b[ok]
    codes, ids = pd.factorize(pairs["unique_id"], sort=False)
    count = np.bincount(codes, minlength=len(ids))
    mse_a = np.bincount(codes, weights=e_a**2, minlength=len(ids)) / count
    mse_b = np.bincount(codes, weights=e_b**2, minlength=len(ids)) / count
    dm, p = diebold_mariano(e_b, e_a, codes, h=h, power=2)
    q = np.full_like(p, np.nan)
    tested = np.isfinite(p)
    if tested.any():
        q[tested] = stats.false_discovery_control(p[tested], method="bh")
    significant = q < alpha  # NaN compares False
    status = np.where(
        significant & (dm < 0), "b_better", np.where(significant & (dm > 0), "a_better", "same")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        skill = 1 - mse_b / mse_a
    series = pd.DataFrame(
        {
            "unique_id": ids,
            "forecasts": count,
            "mse_a": mse_a,
            "mse_b": mse_b,
            "skill": skill,
            "dm": dm,
            "p_value": p,
            "q_value": q,
            "status": status,
        }
    )
    pooled_dm, pooled_p, pooled_skill = _pooled(pairs["ds"], codes, e_a, e_b, mse_a, h)
    return Comparison(
        a=labels[0],
        b=labels[1],
        model_a=model_a,
        model_b=model_b,
        series=series,
        pooled_dm=pooled_dm,
        pooled_p=pooled_p,
        pooled_skill=pooled_skill,
        alpha=alpha,
        pairs=len(pairs),
    )


def _pooled(
    ds: pd.Series,
    codes: np.ndarray,
    e_a: np.ndarray,
    e_b: np.ndarray,
    mse_a: np.ndarray,
    h: int,
) -> tuple[float, float, float]:
    """One DM test over time of the across-series mean of loss differentials, each scaled by
    its series' A-MSE. Returns (statistic, p value, 1 - mean scaled B loss)."""
    scale = mse_a[codes]
    keep = scale > 0
    d = (e_b**2 - e_a**2)[keep] / scale[keep]  # (N,) scaled differential, negative: B better
    by_time = pd.Series(d).groupby(ds.to_numpy()[keep], sort=True).mean().to_numpy()  # (T,)
    if len(by_time) < 2:
        return float("nan"), float("nan"), float("nan")
    # our DM takes two error streams; with power 1, |max(d, 0)| - |max(-d, 0)| = d exactly
    stat, p = diebold_mariano(np.maximum(by_time, 0), np.maximum(-by_time, 0), None, h, power=1)
    return float(stat[0]), float(p[0]), float(-by_time.mean())


def best_model(run: Any) -> str:
    """A run's best weight model (highest mean skill; any model if it fitted none)."""
    board = [r for r in run.leaderboard if r["model"] in (run.fitted or run.models)]
    if not board:
        raise ConfigError(f"run {run.id} has no model to compare")

    def skill(r: dict[str, Any]) -> float:
        s = r.get("skill")
        if s is None and r.get("mse") is not None:
            s = -r["mse"]
        return float("-inf") if s is None or s != s else float(s)

    return str(max(board, key=skill)["model"])


def compare_runs(
    store: Any,
    a: int | str,
    b: int | str,
    *,
    model_a: str | None = None,
    model_b: str | None = None,
    force: bool = False,
    alpha: float = 0.05,
) -> Comparison:
    """Run ``b`` against run ``a`` in ``store`` (a ``Store``): each run's best weight model
    unless named. Runs on different data are refused (``force=True`` pairs them anyway)."""
    run_a, run_b = store.get(a), store.get(b)
    if not force and (run_a.fingerprint, run_a.fingerprint_of) != (
        run_b.fingerprint,
        run_b.fingerprint_of,
    ):
        raise ConfigError(
            f"run {run_a.id} and run {run_b.id} ran on different data (fingerprints "
            f"{run_a.fingerprint} of {run_a.fingerprint_of}, {run_b.fingerprint} of "
            f"{run_b.fingerprint_of}); pass --force to pair what they share anyway"
        )
    return compare_forecasts(
        store.forecasts(run_a.id),
        store.forecasts(run_b.id),
        model_a or best_model(run_a),
        model_b or best_model(run_b),
        labels=(f"run {run_a.id}", f"run {run_b.id}"),
        alpha=alpha,
    )


def _num(x: float) -> float | None:
    return None if x != x else float(x)
