"""The tutorial's guessing method, exactly, for every series and weight at once.

Each iteration scores ``weight + step`` and ``weight - step`` and moves to ``weight + step`` when
its loss is strictly lower, else to ``weight - step`` (the tutorial's ``if error_up <
error_down``). It always moves, so once it is within one step of the optimum it oscillates: the
step is a floor on its accuracy. It costs two evaluations an iteration and stays in the library,
unchanged, as the reference method. With several weights, every weight moves by the same step
along the all-ones direction, the tutorial's rule applied literally.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor

from weightfit.search.driver import ObjectiveFn


class GuessState(NamedTuple):
    weights: Tensor  # (S, k)
    loss: Tensor  # (S,) loss of the current weights, NaN before the first step
    iteration: int


class Guess:
    """Try ``weight ± step`` for ``iterations`` iterations, keep the side with the lower loss."""

    name = "guess"

    def __init__(self, *, step: float = 1e-4, iterations: int = 1000) -> None:
        if not (isinstance(step, int | float) and math.isfinite(step) and step > 0):
            raise ValueError(f"Invalid step: {step!r} (must be a positive finite number)")
        if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 0:
            raise ValueError(f"Invalid iterations: {iterations!r} (must be an integer >= 0)")
        self.step_size, self.iterations = float(step), iterations
        self._moves: dict[torch.dtype, Tensor] = {}

    def start(self, objective: ObjectiveFn, weights: Tensor) -> GuessState:
        return GuessState(weights, torch.full(weights.shape[:1], math.nan, dtype=weights.dtype), 0)

    def step(self, objective: ObjectiveFn, state: GuessState) -> GuessState:
        moves = self._moves.get(state.weights.dtype)
        if moves is None:  # (2, 1, 1): +step, -step; w + (-step) is w - step in IEEE arithmetic
            moves = torch.tensor([self.step_size, -self.step_size], dtype=state.weights.dtype)
            moves = self._moves.setdefault(state.weights.dtype, moves[:, None, None])
        candidates = state.weights + moves  # (2, S, k): up, down
        error_up, error_down = objective(candidates).unbind(0)  # (S,) each: two evaluations
        up, down = candidates.unbind(0)
        better = error_up < error_down  # (S,) the tutorial's `if error_up < error_down`
        weights = torch.where(better.unsqueeze(-1), up, down)
        return GuessState(weights, torch.where(better, error_up, error_down), state.iteration + 1)

    def done(self, state: GuessState) -> str | None:
        return "iterations" if state.iteration >= self.iterations else None

    def __repr__(self) -> str:
        return f"Guess(step={self.step_size}, iterations={self.iterations})"
