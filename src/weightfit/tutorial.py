"""The tutorial (``shared/seed.txt``), reproduced: one price, one weight, the guessing method.

>>> result = tutorial()
>>> result.initial_prediction, result.final_weight, result.evaluations
(424.2, 1.0119999999999998, 2000)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from weightfit.errors import ConfigError
from weightfit.models import Scale, Windows
from weightfit.objective import Objective
from weightfit.search import (
    LBFGS,
    Brent,
    Fit,
    GoldenSection,
    Gradient,
    Guess,
    LeastSquares,
    PatternSearch,
    Step,
    Strategy,
    minimize,
)

GOOD_ENOUGH = 1e-9  # an error this small is a solved tutorial

# The tutorial scores each guess as F.mse_loss(torch.tensor(price * w), torch.tensor(target)):
# the prediction in float64, rounded to float32, and the loss in float32.
tutorial_dtype = torch.float32


@dataclass(frozen=True)
class TutorialResult:
    """The tutorial's numbers, before and after guessing, and the better strategies' results.

    Attributes:
        price, target: the one pair (x, y).
        initial_weight, initial_prediction, initial_error: the start and its squared error.
        final_weight, final_prediction, final_error: after the guessing method.
        evaluations, iterations: its cost (2 evaluations an iteration).
        best_weight: ``target / price``, the weight with zero error.
        fit: the guessing method's ``Fit``.
        better: one row per better strategy (``better_strategies``).
    """

    price: float
    target: float
    initial_weight: float
    initial_prediction: float
    initial_error: float
    final_weight: float
    final_prediction: float
    final_error: float
    evaluations: int
    iterations: int
    best_weight: float  # target / price, the weight the guessing method is looking for
    fit: Fit
    better: list[dict[str, float | int | str | None]]  # the better strategies on the same problem

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the numbers above, the seconds spent guessing, and ``better``."""
        keys = [
            "price",
            "target",
            "initial_weight",
            "initial_prediction",
            "initial_error",
            "final_weight",
            "final_prediction",
            "final_error",
            "evaluations",
            "iterations",
            "best_weight",
        ]
        out: dict[str, Any] = {k: getattr(self, k) for k in keys}
        out["seconds"] = self.fit.seconds
        out["better"] = self.better
        return out


def _check(name: str, value: float) -> float:
    """``value`` as a float, or ``ConfigError`` naming ``name`` when it is not finite."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"Invalid {name}: {value!r} (must be a finite number)")
    return float(value)


def tutorial(
    price: float = 420.0,
    target: float = 425.0,
    weight: float = 1.01,
    step: float = 1e-4,
    iterations: int = 1000,
    callback: Callable[[Step], None] | None = None,
) -> TutorialResult:
    """Predict ``target`` from ``price`` with ``Scale(weight)``, then guess better weights.

    The guesses are scored in float32, as the tutorial's ``torch.tensor(float)`` does, so its
    numbers come out exactly (``tutorial_dtype``).

    Args:
        price: today's price (default 420.0, the tutorial's).
        target: tomorrow's price, to predict (default 425.0).
        weight: the start weight (default 1.01).
        step: the guessing method's change (default 1e-4).
        iterations: its iterations, two evaluations each (default 1000).
        callback: called with each ``Step`` (default ``None``).

    Raises ``ConfigError`` for a value that is not a finite number (and ``Guess``'s own checks).
    """
    price, target, weight = (
        _check("price", price),
        _check("target", target),
        _check("weight", weight),
    )
    data = Windows.from_pairs([price], [target])  # one series, one (x, y) pair
    model = Scale(weight=weight)
    # scored in float32 as the tutorial: a tie in float32 goes down, as its `else` does
    objective = Objective(model, data, "mse", dtype=tutorial_dtype)
    initial = model.initial_weights(1)  # (1, 1)
    fit = minimize(objective, initial, Guess(step=step, iterations=iterations), callback=callback)
    first = float(model.predict(data, initial)[0])
    last = float(model.predict(data, fit.weights)[0])
    return TutorialResult(
        price=price,
        target=target,
        initial_weight=weight,
        initial_prediction=first,
        initial_error=(first - target) ** 2,
        final_weight=fit.weight,
        final_prediction=last,
        final_error=(last - target) ** 2,
        evaluations=fit.evaluations,
        iterations=fit.iterations,
        best_weight=target / price,
        fit=fit,
        better=better_strategies(data, weight, step),
    )


def better_strategies(
    data: Windows, weight: float, step: float
) -> list[dict[str, float | int | str | None]]:
    """The tutorial's problem, solved by the strategies that come after guessing: each one's
    final weight and error, its cost, and the evaluations it needed to get below 1e-9.

    Args:
        data: the tutorial's one pair.
        weight: the start weight; the one-weight searches bracket ``weight ± 0.1``.
        step: the pattern search's first step (the guessing method's change).

    Returns one dict per strategy: ``strategy``, ``weight``, ``prediction``, ``error``,
    ``evaluations``, ``evaluations_to_1e-9`` (``None`` if never), ``stop``.
    """
    model = Scale(weight=weight)
    objective = Objective(model, data, "mse")  # the closed-form fast path, float64
    start = model.initial_weights(1)
    strategies: list[Strategy] = [
        PatternSearch(step=step),
        GoldenSection(low=weight - 0.1, high=weight + 0.1),
        Brent(low=weight - 0.1, high=weight + 0.1),
        Gradient(optimizer="adam", lr=1e-3, epochs=2000),
        LBFGS(),
        LeastSquares(),
    ]
    rows: list[dict[str, float | int | str | None]] = []
    for strategy in strategies:
        fit = minimize(objective, start, strategy, max_evaluations=20_000)
        below = next((s.evaluations for s in fit.history if float(s.loss[0]) < GOOD_ENOUGH), None)
        rows.append(
            {
                "strategy": strategy.name,
                "weight": fit.weight,
                "prediction": float(model.predict(data, fit.weights)[0]),
                "error": float(fit.loss[0]),
                "evaluations": fit.evaluations,
                "evaluations_to_1e-9": below,
                "stop": fit.stop,
            }
        )
    return rows
