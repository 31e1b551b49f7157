"""``compare``: several strategies on the same objective, side by side; ``compare_prices``: the
same on a price frame (what ``weightfit search`` runs)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import torch

from weightfit.data.panel import Panel
from weightfit.errors import WeightfitError
from weightfit.models.base import Model
from weightfit.models.registry import get_model
from weightfit.models.windows import Windows
from weightfit.objective import Objective
from weightfit.search.base import Fit
from weightfit.search.driver import minimize
from weightfit.search.registry import get_strategy

DEFAULT = ("guess", "pattern", "golden", "adam", "lbfgs", "lstsq")


@dataclass(frozen=True)
class Comparison:
    """Each strategy's result on one objective.

    Attributes:
        table: one row per strategy that ran: ``strategy``, ``loss`` (mean over series),
            ``distance`` (largest absolute gap to the closed-form optimum, NaN without one),
            ``evaluations``, ``iterations``, ``stop``, ``seconds``.
        fits: each strategy's ``Fit``, by name.
        optimum: (S, k) the closed-form weights, or ``None``.
        skipped: strategy name -> why it could not run on this model.
    """

    table: pd.DataFrame  # one row per strategy: loss, distance, evaluations, iterations, ...
    fits: dict[str, Fit]
    optimum: torch.Tensor | None  # (S, k) the closed form, where there is one
    skipped: dict[str, str]  # strategy -> why it could not run on this model


@dataclass(frozen=True)
class PriceComparison:
    """``compare`` on a price frame, with what its renderers need to say what was searched.

    Attributes:
        comparison: the ``Comparison``.
        spec: the model as asked for (``"scale"``, ``"ar:5"``).
        model: the model searched.
        objective: its objective over every series.
        ids: the series' ids, in order (S).
        prices: how many prices the objective was built from.
    """

    comparison: Comparison
    spec: str  # the model as asked for: "scale", "ar:5"
    model: Model
    objective: Objective
    ids: list[str]  # the series, in order
    prices: int  # how many prices the objective was built from

    def to_dict(self) -> dict[str, Any]:
        """Plain data: model, series count, one record per strategy, the skipped ones."""
        return {
            "model": self.spec,
            "series": len(self.ids),
            "strategies": self.comparison.table.to_dict("records"),
            "skipped": self.comparison.skipped,
        }


def compare(
    objective: Any,
    start: torch.Tensor,
    strategies: Sequence[str | Any] = DEFAULT,
    *,
    max_evaluations: int | None = 100_000,
    callback: Callable[[str, int, int], None] | None = None,
) -> Comparison:
    """Run each strategy from ``start``; final loss, distance to the optimum, cost.

    A strategy that cannot work on this model (one-weight searches on several weights, lstsq
    without a closed form) is skipped with its reason, not silently dropped.

    Args:
        objective: ``objective(weights) -> loss`` per series, (S, k) -> (S,).
        start: (S, k) the weights every strategy starts from.
        strategies: strategy names or objects, in order (default ``DEFAULT``: guess, pattern,
            golden, adam, lbfgs, lstsq).
        max_evaluations: the loss evaluations each strategy may spend (default 100_000).

    >>> quadratic = lambda w: ((w - 2.0) ** 2).sum(-1)  # (..., S, k) -> (..., S)
    >>> result = compare(quadratic, torch.zeros(1, 1), ["golden", "lstsq"])
    >>> list(result.table.strategy), list(result.skipped)
    (['golden'], ['lstsq'])
    """
    optimum = getattr(objective, "optimum", None)
    rows, fits, skipped = [], {}, {}
    for done, spec in enumerate(strategies):
        strategy = get_strategy(spec)
        if callback is not None:  # (the strategy starting, strategies done, strategies)
            callback(strategy.name, done, len(strategies))
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


def compare_prices(
    prices: pd.DataFrame,
    model: str | Model = "scale",
    strategies: Sequence[str | Any] = DEFAULT,
    *,
    max_evaluations: int | None = 100_000,
    callback: Callable[[str, int, int], None] | None = None,
) -> PriceComparison:
    """Every strategy on one model's objective over a long price frame (``unique_id, ds, y``).

    Args:
        prices: the long frame ``read_prices`` returns.
        model: a model or its registry name (default ``"scale"``; ``"ar:5"``, ...).
        strategies: strategy names or objects, each run from the model's initial weights
            (default ``DEFAULT``).
        max_evaluations: the loss evaluations each strategy may spend (default 100_000).
    """
    chosen = get_model(model)
    panel = Panel.from_frame(prices)
    data = Windows.from_values(panel.values, panel.offsets, chosen.window)
    objective = Objective(chosen, data)
    start = chosen.initial_weights(panel.n_series)
    result = compare(
        objective, start, strategies, max_evaluations=max_evaluations, callback=callback
    )
    ids = [str(i) for i in panel.ids]
    spec = model if isinstance(model, str) else chosen.name
    return PriceComparison(result, spec, chosen, objective, ids, int(panel.lengths.sum()))
