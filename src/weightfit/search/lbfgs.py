"""``LBFGS``: torch.optim.LBFGS with a strong-Wolfe line search, every closure call counted.

Limited-memory BFGS (Liu & Nocedal 1989). One iteration is one ``optimizer.step(closure)``,
which runs up to ``max_iter`` inner iterations and calls the closure up to torch's
``max_eval = max_iter * 5 // 4`` times; each call is one evaluation, through the
driver's counter. The state keeps the best point any call saw, per series.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from weightfit.errors import ConfigError
from weightfit.search.base import ObjectiveFn


class LBFGSState(NamedTuple):
    """The best weights any call saw, their loss, and torch's parameter and optimizer."""

    weights: Tensor  # (S, k)
    loss: Tensor  # (S,)
    iteration: int
    improved: bool
    parameter: Tensor
    optimizer: torch.optim.LBFGS


class LBFGS:
    """Quasi-Newton steps from the gradient history; stops when a step finds nothing better.

    One evaluation to start; each iteration costs up to ``max_iter * 5 // 4`` (every closure
    call, line-search trials included). It minimises the total loss over series as one problem
    in S * k weights: the gradient is each series' own, side by side, but the line search and
    the curvature history are shared (unlike the per-series steps of the other strategies).

    Args:
        lr: the first step length of each line search, or the fixed step without one
            (default 1.0, torch's); > 0.
        iterations: the most ``optimizer.step`` calls (default 50); then
            ``stop == "iterations"``; an iteration that improves no series stops with
            ``"no_progress"``.
        max_iter: torch's inner iterations per ``optimizer.step`` (default 20).
        history_size: the curvature pairs kept (default 10, torch's).
        line_search: ``"strong_wolfe"`` (default) or ``None`` for fixed steps of ``lr``.

    Source: Liu & Nocedal (1989), "On the limited memory BFGS method for large scale
    optimization", Math. Programming 45, 503-528, via ``torch.optim.LBFGS`` (with torch's
    own gradient and change tolerances turned off: the driver decides when to stop).
    """

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
        """A fresh ``torch.optim.LBFGS`` on a copy of the weights (S, k); score them once."""
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
        """One ``optimizer.step(closure)``; keep each series' best point any closure call saw."""
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
        """``"no_progress"`` after a step that improved no series, or ``"iterations"``."""
        if not state.improved:
            return "no_progress"
        return "iterations" if state.iteration >= self.iterations else None
