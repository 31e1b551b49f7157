"""``OnePlusOne``: the (1+1) evolution strategy with the 1/5th success rule (Rechenberg 1973).

Each iteration draws one Gaussian mutation per series, ``w + sigma * N(0, I)`` (one evaluation),
and keeps it when it is better. The step size follows the success rule in its smooth form
(Kern et al. 2004): ``sigma *= exp((success - 1/5) / (d (1 - 1/5)))``, ``d = sqrt(k + 1)``, so it
grows while more than one mutation in five succeeds and shrinks otherwise. Seeded: the same seed
repeats the same run.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor

from weightfit.errors import ConfigError
from weightfit.search.base import ObjectiveFn


class OnePlusOneState(NamedTuple):
    """The parent (best so far), its loss, each series' mutation strength and success count."""

    weights: Tensor  # (S, k)
    loss: Tensor  # (S,)
    sigma: Tensor  # (S,) mutation strength
    successes: Tensor  # (S,) int, accepted mutations so far
    iteration: int


class OnePlusOne:
    """Mutate, keep the better, adapt the step by the 1/5th success rule.

    One evaluation to start and one per iteration (all series at once, each with its own draw).

    Args:
        sigma: the first mutation strength, the standard deviation of the Gaussian step in
            weight units (default 0.1); > 0.
        iterations: the most iterations (default 2000); then ``stop == "iterations"``.
        tol: stop (``"tolerance"``) when every series' ``sigma`` is below it (default 1e-12).
        seed: the seed of the mutations (default 0): the same seed repeats the same run.

    Source: Rechenberg's (1+1)-ES with the 1/5th success rule (Rechenberg 1973,
    "Evolutionsstrategie"), in the smooth form of Kern et al. (2004), "Learning probability
    distributions in continuous evolutionary algorithms", Natural Computing 3(1); nevergrad's
    ``OnePlusOne`` is the same method with a discrete step update.
    """

    name = "oneplusone"

    def __init__(
        self,
        *,
        sigma: float = 0.1,
        iterations: int = 2000,
        tol: float = 1e-12,
        seed: int = 0,
    ) -> None:
        if not sigma > 0:
            raise ConfigError(f"Invalid sigma: {sigma!r} (must be > 0)")
        self.sigma0, self.iterations, self.tol, self.seed = sigma, iterations, tol, seed
        self._generator = torch.Generator()

    def start(self, objective: ObjectiveFn, weights: Tensor) -> OnePlusOneState:
        """Reseed; the start weights (S, k) as the parent, scored once; ``sigma`` everywhere."""
        self._generator.manual_seed(self.seed)
        sigma = torch.full(weights.shape[:1], self.sigma0, dtype=weights.dtype)
        zeros = torch.zeros(weights.shape[:1], dtype=torch.int64)
        return OnePlusOneState(weights, objective(weights), sigma, zeros, 0)

    def step(self, objective: ObjectiveFn, state: OnePlusOneState) -> OnePlusOneState:
        """Score ``w + sigma * N(0, I)``; keep it where strictly better; grow ``sigma`` where it
        succeeded, shrink it where not (by ``exp((success - 1/5) / (0.8 sqrt(k + 1)))``)."""
        w = state.weights
        noise = torch.randn(w.shape, generator=self._generator, dtype=w.dtype)
        candidate = w + state.sigma[:, None] * noise
        loss = objective(candidate)
        success = loss < state.loss
        d = math.sqrt(w.shape[1] + 1)
        sigma = state.sigma * torch.exp((success.to(w.dtype) - 0.2) / (0.8 * d))
        return OnePlusOneState(
            torch.where(success[:, None], candidate, w),
            torch.where(success, loss, state.loss),
            sigma,
            state.successes + success.to(torch.int64),
            state.iteration + 1,
        )

    def done(self, state: OnePlusOneState) -> str | None:
        """``"tolerance"`` once every ``sigma`` is below ``tol``, or ``"iterations"``."""
        if bool((state.sigma < self.tol).all()):
            return "tolerance"
        return "iterations" if state.iteration >= self.iterations else None
