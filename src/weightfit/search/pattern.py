"""``PatternSearch``: Hooke & Jeeves (1961) direct search, for every series at once.

An iteration explores each weight in turn (both ``w_i + step`` and ``w_i - step`` are scored in
one call: two evaluations, where the textbook tries ``-`` only when ``+`` fails), then, when the
exploration found a better point ``x``, makes the pattern move to ``x + (x - base)`` and explores
there too, keeping the better of the two. The step grows by ``expand`` after a success and shrinks
by ``contract`` after a failure; the search stops when every series' step is below ``tol``.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from weightfit.errors import ConfigError
from weightfit.search.base import ObjectiveFn


class PatternState(NamedTuple):
    """The base point, its loss, each series' exploration step, the iteration."""

    weights: Tensor  # (S, k) the base point
    loss: Tensor  # (S,)
    step: Tensor  # (S,) the exploration step of each series
    iteration: int


class PatternSearch:
    """Exploratory moves plus the pattern move; the step adapts per series.

    An iteration costs 2 evaluations per weight, plus ``1 + 2 k`` when any series improved (the
    pattern move and its exploration).

    Args:
        step: the first exploration step, in weight units, the same for every weight (default
            0.1); > 0.
        expand: the step's factor after an iteration that improved the series (default 2.0);
            >= 1. The textbook keeps the step (``expand=1``).
        contract: the step's factor after an iteration that did not (default 0.5); in (0, 1).
        tol: stop (``"tolerance"``) when every series' step is below it (default 1e-10); > 0.
        iterations: the most iterations (default 10_000); then ``stop == "iterations"``.

    Source: Hooke & Jeeves (1961), "Direct search solution of numerical and statistical
    problems", J. ACM 8(2), 212-229; the per-series step and ``expand`` are weightfit's.
    """

    name = "pattern"

    def __init__(
        self,
        *,
        step: float = 0.1,
        expand: float = 2.0,
        contract: float = 0.5,
        tol: float = 1e-10,
        iterations: int = 10_000,
    ) -> None:
        if not step > 0:
            raise ConfigError(f"Invalid step: {step!r} (must be > 0)")
        if not expand >= 1:
            raise ConfigError(f"Invalid expand: {expand!r} (must be >= 1)")
        if not 0 < contract < 1:
            raise ConfigError(f"Invalid contract: {contract!r} (must be between 0 and 1)")
        if not tol > 0:
            raise ConfigError(f"Invalid tol: {tol!r} (must be > 0)")
        self.step0, self.expand, self.contract, self.tol = step, expand, contract, tol
        self.iterations = iterations

    def start(self, objective: ObjectiveFn, weights: Tensor) -> PatternState:
        """The start weights (S, k) as the base point, scored once; every step at ``step``."""
        step = torch.full(weights.shape[:1], self.step0, dtype=weights.dtype)
        return PatternState(weights, objective(weights), step, 0)

    def _explore(
        self, objective: ObjectiveFn, point: Tensor, loss: Tensor, step: Tensor
    ) -> tuple[Tensor, Tensor]:
        for i in range(point.shape[1]):
            move = torch.zeros_like(point)
            move[:, i] = step
            candidates = torch.stack([point + move, point - move])  # (2, S, k)
            losses = objective(candidates)  # (2, S)
            best, which = losses.min(0)
            better = best < loss
            chosen = candidates[which, torch.arange(point.shape[0])]
            point = torch.where(better[:, None], chosen, point)
            loss = torch.where(better, best, loss)
        return point, loss

    def step(self, objective: ObjectiveFn, state: PatternState) -> PatternState:
        """Explore around the base; where it improved, try the pattern move ``x + (x - base)``,
        keep the better, and expand the step; elsewhere contract it."""
        base, loss, step = state.weights, state.loss, state.step
        x, fx = self._explore(objective, base, loss, step)
        improved = fx < loss
        if bool(improved.any()):  # the pattern move, for the series that improved
            pattern = torch.where(improved[:, None], x + (x - base), x)
            fp = objective(pattern)
            y, fy = self._explore(objective, pattern, fp, step)
            take = improved & (fy < fx)
            x = torch.where(take[:, None], y, x)
            fx = torch.where(take, fy, fx)
        step = torch.where(improved, step * self.expand, step * self.contract)
        return PatternState(x, fx, step, state.iteration + 1)

    def done(self, state: PatternState) -> str | None:
        """``"tolerance"`` once every step is below ``tol``, or ``"iterations"``."""
        if bool((state.step < self.tol).all()):
            return "tolerance"
        return "iterations" if state.iteration >= self.iterations else None
