"""``compare``: several strategies on the same objective, side by side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import torch

from weightfit.errors import WeightfitError
from weightfit.search import Fit, get_strategy, minimize

DEFAULT = ("guess", "pattern", "golden", "adam", "lbfgs", "lstsq")


@dataclass(frozen=True)
class Comparison:
    table: pd.DataFrame  # one row per strategy
    fits: dict[str, Fit]
    optimum: torch.Tensor | None  # (S, k) the closed form, where there is one
    skipped: dict[str, str]  # strategy -> why it could not run on this model


def compare(
    objective: Any,
    start: torch.Tensor,
    strategies: Sequence[str | Any] = DEFAULT,
    *,
    max_evaluations: int | None = 100_000,
) -> Comparison:
    """Run each strategy from ``start``; final loss, distance to the optimum, cost.

    A strategy that cannot work on this model (one-weight searches on several weights, lstsq
    without a closed form) is skipped with its reason, not silently dropped.
    """
    optimum = getattr(objective, "optimum", None)
    rows, fits, skipped = [], {}, {}
    for spec in strategies:
        strategy = get_strategy(spec)
        try:
            fit = minimize(objective, start, strategy, max_evaluations=max_evaluations)
        except WeightfitError as e:
            skipped[strategy.name] = str(e)
            continue
        fits[strategy.name] = fit
        distance = (
            float((fit.weights - optimum).abs().max()) if optimum is not None else float("nan")
        )
        rows.append(
            {
                "strategy": strategy.name,
                "loss": float(fit.loss.mean()),
                "distance": distance,
                "evaluations": fit.evaluations,
                "iterations": fit.iterations,
                "stop": fit.stop,
                "seconds": fit.seconds,
            }
        )
    return Comparison(pd.DataFrame(rows), fits, optimum, skipped)
