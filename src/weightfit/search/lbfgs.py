"""``LBFGS``: torch.optim.LBFGS with a strong-Wolfe line search, every closure call counted.

Limited-memory BFGS (Liu & Nocedal 1989). One iteration is one ``optimizer.step(closure)``,
which may call the closure up to ``max_iter`` times; each call is one evaluation, through the
driver's counter. The state keeps the best point any call saw, per series.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from weightfit.errors import ConfigError
from weightfit.search.base import ObjectiveFn


class LBFGSState(NamedTuple):
    weights: Tensor  # (S, k)
    loss: Tensor  # (S,)
    iteration: int
    improved: bool
    parameter: Tensor
    optimizer: torch.optim.LBFGS


class LBFGS:
    """Quasi-Newton steps from the gradient history; stops when a step finds nothing better."""

    name = "lbfgs"

    def __init__(
        self,
        *,
        lr: float = 1.0,
        iterations: int = 50,
        max_iter: int = 20,
        history_size: int = 10,
        line_search: str | None = "strong_wolfe",
    ) -> None:
        if not lr > 0:
            raise ConfigError(f"Invalid lr: {lr!r} (must be > 0)")
        self.lr, self.iterations, self.max_iter = lr, iterations, max_iter
        self.history_size, self.line_search = history_size, line_search

    def start(self, objective: ObjectiveFn, weights: Tensor) -> LBFGSState:
        parameter = weights.detach().clone().requires_grad_(True)
        opt = torch.optim.LBFGS(
            [parameter],
            lr=self.lr,
            max_iter=self.max_iter,
            history_size=self.history_size,
            line_search_fn=self.line_search,
            tolerance_grad=1e-300,  # the driver decides when to stop
            tolerance_change=1e-300,
        )
        with torch.no_grad():
            loss = objective(weights)
        return LBFGSState(weights, loss, 0, True, parameter, opt)

    def step(self, objective: ObjectiveFn, state: LBFGSState) -> LBFGSState:
        p, opt = state.parameter, state.optimizer
        best_w, best = state.weights, state.loss

        def closure() -> Tensor:
            nonlocal best_w, best
            opt.zero_grad()
            loss = objective(p)  # (S,)
            better = loss.detach() < best
            best_w = torch.where(better[:, None], p.detach(), best_w)
            best = torch.where(better, loss.detach(), best)
            total = loss.sum()
            total.backward()
            return total

        with torch.enable_grad():
            opt.step(closure)
        improved = bool((best < state.loss).any())
        return state._replace(
            weights=best_w, loss=best, iteration=state.iteration + 1, improved=improved
        )

    def done(self, state: LBFGSState) -> str | None:
        if not state.improved:
            return "no_progress"
        return "iterations" if state.iteration >= self.iterations else None
