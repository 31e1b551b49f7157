"""The tutorial's guessing method, exactly, for every series and weight at once.

Each iteration scores ``weight + step`` and ``weight - step`` and moves to ``weight + step`` when
its loss is strictly lower, else to ``weight - step`` (the tutorial's ``if error_up <
error_down``). It always moves, so once it is within one step of the optimum it oscillates: the
step is a floor on its accuracy. It costs two evaluations an iteration and stays in the library,
unchanged, as the reference method. With several weights, each iteration applies the rule to
each weight in turn (2 evaluations per weight); with one weight it is the tutorial's loop.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor

from weightfit.errors import ConfigError
from weightfit.search.base import ObjectiveFn


class GuessState(NamedTuple):
    """Where the guessing method stands: the current weights, their loss, the iteration."""

    weights: Tensor  # (S, k)
    loss: Tensor  # (S,) loss of the current weights, NaN before the first step
    iteration: int


class Guess:
    """Try ``weight ± step`` for ``iterations`` iterations, keep the side with the lower loss.

    Costs 2 evaluations per weight per iteration; with one weight, ``iterations=1000`` is the
    tutorial's 2000. It always moves, so its accuracy is floored at ``step``.

    Args:
        step: how far each guess moves a weight, in the weight's units (default 1e-4, the
            tutorial's ``change``); a positive finite number.
        iterations: how many iterations to run (default 1000, the tutorial's loop); an
            integer >= 0. It stops only on this count (``stop == "iterations"``).

    Source: the tutorial (``../shared/seed.txt``, "the guessing method": ``guess_up``,
    ``guess_down``, ``if error_up < error_down``), vectorised over series and applied to each
    weight in turn.

    >>> Guess(step=0.25, iterations=8)
    Guess(step=0.25, iterations=8)
    """

    name = "guess"

    def __init__(self, *, step: float = 1e-4, iterations: int = 1000) -> None:
        if not (isinstance(step, int | float) and math.isfinite(step) and step > 0):
            raise ConfigError(f"Invalid step: {step!r} (must be a positive finite number)")
        if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 0:
            raise ConfigError(f"Invalid iterations: {iterations!r} (must be an integer >= 0)")
        self.step_size, self.iterations = float(step), iterations
        self._moves: dict[tuple[torch.dtype, int, int], Tensor] = {}

    def start(self, objective: ObjectiveFn, weights: Tensor) -> GuessState:
        """The start weights (S, k), unscored (loss NaN): the first step scores both sides."""
        return GuessState(weights, torch.full(weights.shape[:1], math.nan, dtype=weights.dtype), 0)

    def step(self, objective: ObjectiveFn, state: GuessState) -> GuessState:
        """Move each weight in turn to ``w + step`` if that scores strictly lower, else to
        ``w - step`` (two evaluations per weight)."""
        weights, loss = state.weights, state.loss
        for i in range(weights.shape[1]):
            moves = self._moves_for(weights, i)  # (2, 1, k): +step, -step on weight i
            candidates = weights + moves  # (2, S, k): up, down (w + (-step) is w - step)
            error_up, error_down = objective(candidates).unbind(0)  # (S,): two evaluations
            up, down = candidates.unbind(0)
            better = error_up < error_down  # (S,) the tutorial's `if error_up < error_down`
            weights = torch.where(better.unsqueeze(-1), up, down)
            loss = torch.where(better, error_up, error_down)
        return GuessState(weights, loss, state.iteration + 1)

    def _moves_for(self, weights: Tensor, i: int) -> Tensor:
        key = (weights.dtype, weights.shape[1], i)
        moves = self._moves.get(key)
        if moves is None:
            moves = torch.zeros(2, 1, weights.shape[1], dtype=weights.dtype)
            moves[0, 0, i], moves[1, 0, i] = self.step_size, -self.step_size
            self._moves[key] = moves
        return moves

    def done(self, state: GuessState) -> str | None:
        """``"iterations"`` after ``iterations`` steps; never earlier."""
        return "iterations" if state.iteration >= self.iterations else None

    def __repr__(self) -> str:
        return f"Guess(step={self.step_size}, iterations={self.iterations})"
