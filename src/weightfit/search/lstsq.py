"""``LeastSquares``: the closed-form optimum of a linear model under MSE (normal equations).

It asks the objective for its least-squares solution (``objective.optimum``, from
``weightfit.linear``), scores it once and stops. A model or loss with no
closed form is a clear error, not a silent fallback.
"""

from __future__ import annotations

from typing import NamedTuple

from torch import Tensor

from weightfit.errors import ConfigError
from weightfit.search.base import ObjectiveFn


class LeastSquaresState(NamedTuple):
    weights: Tensor  # (S, k)
    loss: Tensor  # (S,)
    iteration: int


class LeastSquares:
    """Jump to the least-squares weights: one evaluation, exact."""

    name = "lstsq"

    def start(self, objective: ObjectiveFn, weights: Tensor) -> LeastSquaresState:
        if objective.optimum is None:
            raise ConfigError(
                f"lstsq needs a linear model under MSE; {objective.name} has no closed form: "
                "use another search, e.g. pattern, adam or lbfgs"
            )
        w = objective.optimum.to(weights.dtype)
        return LeastSquaresState(w, objective(w), 1)

    def step(self, objective: ObjectiveFn, state: LeastSquaresState) -> LeastSquaresState:
        return state

    def done(self, state: LeastSquaresState) -> str | None:
        return "exact"

    def __repr__(self) -> str:
        return "LeastSquares()"
