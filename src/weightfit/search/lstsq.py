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
    """The least-squares weights, their loss, and one iteration."""

    weights: Tensor  # (S, k)
    loss: Tensor  # (S,)
    iteration: int


class LeastSquares:
    """Jump to the least-squares weights: one evaluation, exact.

    Only where the objective has a closed form (``objective.optimum``: a linear model such as
    ``Scale``, ``Affine`` or ``AutoRegressive`` under MSE, on the fast path); anything else
    raises ``ConfigError`` when it starts. The start weights are ignored.

    Args:
        (none): it takes no settings; ``stop`` is always ``"exact"``.

    Source: the normal equations ``F'F w = F'd``, solved per series in ``weightfit.linear.solve``
    (where ``F'F`` is singular, the minimum-norm answer, as ``numpy.linalg.lstsq`` gives).
    """

    name = "lstsq"

    def start(self, objective: ObjectiveFn, weights: Tensor) -> LeastSquaresState:
        """Take ``objective.optimum`` (S, k) and score it once; ``ConfigError`` without one."""
        if objective.optimum is None:
            raise ConfigError(
                f"lstsq needs a linear model under MSE; {objective.name} has no closed form: "
                "use another search, e.g. pattern, adam or lbfgs"
            )
        w = objective.optimum.to(weights.dtype)
        return LeastSquaresState(w, objective(w), 1)

    def step(self, objective: ObjectiveFn, state: LeastSquaresState) -> LeastSquaresState:
        """Nothing to improve: the state unchanged (never called: ``done`` stops at once)."""
        return state

    def done(self, state: LeastSquaresState) -> str | None:
        """Always ``"exact"``: the start is the optimum."""
        return "exact"

    def __repr__(self) -> str:
        return "LeastSquares()"
