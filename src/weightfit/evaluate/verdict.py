"""The verdict, in words: does a model beat naive, and is it just tracking the last price?

A model "beats naive" only when its skill (1 - MSE / MSE of naive) is above 0 *and* the test
that fits rejects at 5%: Clark-West (one-sided) for a model that nests naive, Diebold-Mariano
(HLN-corrected, squared error, two-sided) otherwise. It is "worse" when its skill is below 0
and Diebold-Mariano rejects: its forecasts, as made, lose to naive's. The best model is the
one with the highest skill, baselines and fitted models alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

ALPHA = 0.05
TRACKING = 0.1  # predicted moves under 10% of the real moves' spread: naive in disguise
CW, DM = "Clark-West", "Diebold-Mariano"


def p_text(p: float) -> str:
    """``p = 0.012``, ``p < 0.001`` or ``p = n/a``."""
    return "p = n/a" if p != p else f"p = {p:.2g}" if p >= 0.001 else "p < 0.001"


def judge(skill: float, p: float, test: str = DM) -> tuple[str, str]:
    """``(status, words)`` for one model on one series: beats / no_better / worse, naming the
    test whose p-value decided."""
    numbers = f"skill {skill:.4g}, {test} {p_text(p)}"
    if skill > 0 and p < ALPHA:
        return "beats", f"beats naive ({numbers})"
    if skill < 0 and p < ALPHA:
        return "worse", f"worse than naive ({numbers})"
    return "no_better", f"no better than naive ({numbers})"


def decide(
    skill: np.ndarray, p_dm: np.ndarray, p_cw: np.ndarray, nested: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(status, p, test)`` per row: which test decides and its p-value. A nested model beats
    naive by Clark-West and is worse by Diebold-Mariano; any other model by Diebold-Mariano."""
    n = len(skill)
    if not nested:
        return statuses(skill, p_dm), p_dm, np.full(n, DM, dtype=object)
    better = (skill > 0) & (p_cw < ALPHA)
    worse = (skill < 0) & (p_dm < ALPHA) & ~better
    status = _STATUS[np.where(better, 0, np.where(worse, 2, 1))]
    return status, np.where(worse, p_dm, p_cw), _TESTS[worse.astype(np.intp)]


def verdicts_of(scores: Any) -> list[str]:
    """``judge``'s words for each row of a scores frame (skill, p_value, test)."""
    tests = scores["test"] if "test" in scores else [DM] * len(scores)
    return [
        judge(float(s), float(p), str(t))[1]
        for s, p, t in zip(scores["skill"], scores["p_value"], tests, strict=True)
    ]


def statuses(skill: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``judge``'s status for many rows at once."""
    significant = p < ALPHA  # NaN compares False
    worse = np.where((skill < 0) & significant, 2, 1)
    return _STATUS[np.where((skill > 0) & significant, 0, worse)]


# the words as shared objects: an array of a million statuses holds pointers, not a million strings
_STATUS = np.array(["beats", "no_better", "worse"], dtype=object)
_TESTS = np.array([CW, DM], dtype=object)


def tracking_warning(name: str, move_ratio: float) -> str | None:
    """A warning when a model's predicted moves are a sliver of the real ones."""
    if move_ratio < TRACKING:
        return (
            f"{name} tracks the last price: its predicted moves are {100 * move_ratio:.2g}% "
            "the size of the real ones (naive, one step late)"
        )
    return None


def summarise(models: dict[str, dict[str, Any]], fitted: list[str] | None = None) -> str:
    """One sentence for a series (or all series) from each model's status and numbers.

    The best is the highest skill among all candidates; when it is a baseline, the sentence
    also says how the best fitted model (``fitted``) did."""
    if not models:
        return "only baselines were evaluated"
    fitted = [n for n in (fitted or []) if n in models]

    def best(names: list[str]) -> str:
        return max(names, key=lambda n: _finite(models[n]["skill"]))

    def said(n: str) -> str:  # "beats naive (...)", "is worse than naive (...)"
        return ("" if models[n]["status"] == "beats" else "is ") + models[n]["verdict"]

    top = best(list(models))
    winners = [n for n in models if models[n]["status"] == "beats"]
    mentioned = {top}
    if models[top]["status"] == "beats":
        out = f"{top} {said(top)}"
    else:
        out = f"{'' if winners else 'no model beats naive: '}the best, {top}, {said(top)}"
        if winners:
            mentioned.add(best(winners))
            out += f"; {best(winners)} {said(best(winners))}"
    if fitted and not mentioned & set(fitted):
        f = best(fitted)
        if models[top]["status"] == "beats" and not set(winners) & set(fitted):
            out += f"; no fitted model does: the best, {f}, {said(f)}"
        else:
            out += f"; the best fitted model, {f}, {said(f)}"
    return out


def multiple_words(info: dict[str, Any] | None) -> str:
    """``after accounting for the N models tried, SPA p = ...; 90% model confidence set: ...``,
    or nothing when the SPA and MCS were not run."""
    if not info or not info.get("spa"):
        return ""
    spa, mcs = info["spa"], info["mcs"]
    members = ", ".join(mcs["members"])
    size = round(100 * (1 - mcs["size"]))
    return (
        f"after accounting for the {info['models_tried']} models tried, the best beats naive "
        f"with SPA {p_text(spa['p_value'])}; the {size}% model confidence set: {members}"
    )


def _finite(x: float) -> float:
    return x if x == x else float("-inf")
