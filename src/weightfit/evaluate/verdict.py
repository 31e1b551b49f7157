"""The verdict, in words: does a model beat naive, and is it just tracking the last price?

A model "beats naive" only when its skill (1 - MSE / MSE of naive) is above 0 *and* the
Diebold-Mariano test (HLN-corrected, squared error) rejects equal accuracy at 5%.
"""

from __future__ import annotations

from typing import Any

import numpy as np

ALPHA = 0.05
TRACKING = 0.1  # predicted moves under 10% of the real moves' spread: naive in disguise


def _p(p: float) -> str:
    return "p = n/a" if p != p else f"p = {p:.2g}" if p >= 0.001 else "p < 0.001"


def judge(skill: float, p: float) -> tuple[str, str]:
    """``(status, words)`` for one model on one series: beats / no_better / worse."""
    numbers = f"skill {skill:.4g}, {_p(p)}"
    if skill > 0 and p < ALPHA:
        return "beats", f"beats naive ({numbers})"
    if skill < 0 and p < ALPHA:
        return "worse", f"worse than naive ({numbers})"
    return "no_better", f"no better than naive ({numbers})"


def statuses(skill: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``judge``'s status for many rows at once."""
    significant = p < ALPHA  # NaN compares False
    return np.where(
        (skill > 0) & significant,
        "beats",
        np.where((skill < 0) & significant, "worse", "no_better"),
    ).astype(object)


def tracking_warning(name: str, move_ratio: float) -> str | None:
    """A warning when a model's predicted moves are a sliver of the real ones."""
    if move_ratio < TRACKING:
        return (
            f"{name} tracks the last price: its predicted moves are {100 * move_ratio:.2g}% "
            "the size of the real ones (naive, one step late)"
        )
    return None


def summarise(models: dict[str, dict[str, Any]]) -> str:
    """One sentence for a series (or all series) from each model's status and numbers."""
    if not models:
        return "only baselines were evaluated"
    winners = [(n, m) for n, m in models.items() if m["status"] == "beats"]
    if winners:
        name, m = max(winners, key=lambda item: item[1]["skill"])
        return f"{name} {m['verdict']}"
    name, m = max(models.items(), key=lambda item: _finite(item[1]["skill"]))
    return f"no model beats naive: the best, {name}, is {m['verdict']}"


def _finite(x: float) -> float:
    return x if x == x else float("-inf")
