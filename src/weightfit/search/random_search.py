"""``RandomSearch``: uniform samples within bounds, keep the best (seeded).

The honest baseline for black-box searches: ``batch`` candidates per iteration per series, drawn
uniformly in ``[low, high]`` (per weight; by default the start ± ``radius``).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from weightfit.errors import ConfigError
from weightfit.search.base import ObjectiveFn


class RandomState(NamedTuple):
    """The best weights seen, their loss, the bounds (S, k) sampled in, the iteration."""

    weights: Tensor  # (S, k) the best so far
    loss: Tensor  # (S,)
    low: Tensor  # (S, k)
    high: Tensor  # (S, k)
    iteration: int


class RandomSearch:
    """Sample ``batch`` points per iteration in the bounds; keep the best seen.

    One evaluation to start and ``batch`` per iteration.

    Args:
        low: the lower bound, one number for every weight or a list of k (one per weight);
            default ``None``: each series' start weights minus ``radius``.
        high: the upper bound, the same way; default ``None``: the start plus ``radius``. It
            must be above ``low`` everywhere.
        radius: the half-width of the default bounds, in weight units (default 1.0); > 0.
        batch: candidates drawn per iteration, for every series (default 16); an integer >= 1.
        iterations: how many iterations (default 100); then ``stop == "iterations"``.
        seed: the seed of the draws (default 0): the same seed repeats the same run.

    Source: Bergstra & Bengio (2012), "Random search for hyper-parameter optimization",
    JMLR 13, 281-305: the baseline every black-box search should beat.
    """

    name = "random"

    def __init__(
        self,
        *,
        low: float | list[float] | None = None,
        high: float | list[float] | None = None,
        radius: float = 1.0,
        batch: int = 16,
        iterations: int = 100,
        seed: int = 0,
    ) -> None:
        if not radius > 0:
            raise ConfigError(f"Invalid radius: {radius!r} (must be > 0)")
        if int(batch) != batch or batch < 1:
            raise ConfigError(f"Invalid batch: {batch!r} (must be an integer >= 1)")
        self.low, self.high, self.radius = low, high, radius
        self.batch, self.iterations, self.seed = int(batch), iterations, seed
        self._generator = torch.Generator()

    def start(self, objective: ObjectiveFn, weights: Tensor) -> RandomState:
        """Reseed; set the bounds (S, k); score the start weights (S, k) once as the best."""
        self._generator.manual_seed(self.seed)
        low = weights - self.radius if self.low is None else torch.as_tensor(self.low).to(weights)
        high = (
            weights + self.radius if self.high is None else torch.as_tensor(self.high).to(weights)
        )
        low, high = torch.broadcast_tensors(low.expand_as(weights), high.expand_as(weights))
        if bool((high <= low).any()):
            raise ConfigError(f"Invalid bounds: low {self.low!r} must be below high {self.high!r}")
        return RandomState(weights, objective(weights), low, high, 0)

    def step(self, objective: ObjectiveFn, state: RandomState) -> RandomState:
        """Draw (batch, S, k) uniform candidates in the bounds; keep each series' best if better."""
        u = torch.rand(
            (self.batch, *state.weights.shape), generator=self._generator, dtype=state.low.dtype
        )
        candidates = state.low + u * (state.high - state.low)  # (C, S, k)
        losses = objective(candidates)  # (C, S)
        best, which = losses.min(0)
        chosen = candidates[which, torch.arange(state.weights.shape[0])]
        better = best < state.loss
        return state._replace(
            weights=torch.where(better[:, None], chosen, state.weights),
            loss=torch.where(better, best, state.loss),
            iteration=state.iteration + 1,
        )

    def done(self, state: RandomState) -> str | None:
        """``"iterations"`` after ``iterations`` steps; never earlier."""
        return "iterations" if state.iteration >= self.iterations else None
