"""The one driver: it owns the loop, the budget, the evaluation count, history and stopping.

A strategy is a small object with ``start(objective, weights) -> state``,
``step(objective, state) -> state`` and ``done(state) -> reason | None``. Its state is a
NamedTuple with at least ``weights`` (S, k), ``loss`` (S,) and ``iteration``. Strategies never
loop, never count and never print: every loss evaluation passes through ``_Budget`` below, the
one place where evaluations are counted, and progress goes through ``callback``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from weightfit.errors import ConfigError
from weightfit.models.windows import DTYPE, prod
from weightfit.search.base import Fit, Step, Strategy
from weightfit.search.registry import get_strategy


class OutOfBudget(Exception):
    """Raised by the counted objective when a call would pass ``max_evaluations``."""


class _Budget:
    """The choke point: counts each candidate scored and refuses calls over the budget."""

    def __init__(self, objective: Callable[[Tensor], Tensor], limit: int | None) -> None:
        self.objective, self.limit, self.count = objective, limit, 0
        # the three questions a strategy may ask besides the loss (weightfit.search.base)
        self.optimum: Tensor | None = getattr(objective, "optimum", None)
        self.rows: int | None = getattr(objective, "rows", None)
        self.name: str = getattr(objective, "name", "the objective")

    def charge(self, weights: Tensor) -> None:
        """Count the candidates in ``weights`` (..., S, k), or raise ``OutOfBudget`` first."""
        n = prod(tuple(weights.shape))
        if self.limit is not None and self.count + n > self.limit:
            raise OutOfBudget
        self.count += n

    def __call__(self, weights: Tensor) -> Tensor:
        """The counted loss: (S, k) -> (S,), (C, S, k) -> (C, S)."""
        self.charge(weights)
        return self.objective(weights)

    def subset(self, rows: Tensor) -> Callable[[Tensor], Tensor]:
        """A minibatch of the objective; each call counts as one evaluation."""
        if not hasattr(self.objective, "subset"):
            raise ConfigError(f"{self.name} has no rows to take minibatches of")
        part = self.objective.subset(rows)

        def counted(weights: Tensor) -> Tensor:
            self.charge(weights)
            return part(weights)

        return counted

    def tail(self, fraction: float) -> tuple[Tensor, Tensor]:
        """Each series' last ``fraction`` of rows, held out (uncounted: no loss is computed)."""
        if not hasattr(self.objective, "tail"):
            raise ConfigError(f"{self.name} has no rows to hold a validation tail out of")
        return self.objective.tail(fraction)


def _detached(t: Tensor) -> Tensor:
    """``t`` without its autograd graph (only where it has one: no copy otherwise)."""
    return t.detach() if t.requires_grad else t


def minimize(
    objective: Callable[[Tensor], Tensor],
    weights: Any,
    strategy: Strategy | str = "guess",
    *,
    max_evaluations: int | None = None,
    max_seconds: float | None = None,
    callback: Callable[[Step], None] | None = None,
    history: bool = True,
) -> Fit:
    """Run ``strategy`` on ``objective`` from ``weights`` (S, k) until it stops or the budget ends.

    Args:
        objective: ``objective(weights) -> loss``, (S, k) -> (S,) and (C, S, k) -> (C, S); an
            ``Objective``, or any such callable (then ``lstsq`` and minibatches are unavailable).
        weights: the start, (S, k) (anything ``torch.as_tensor`` takes; float64).
        strategy: a strategy object or registry name (default ``"guess"``, default settings).
        max_evaluations: the most loss evaluations, counted per candidate (default ``None``: no
            limit); a step that would pass it is not taken, and ``stop == "max_evaluations"``.
        max_seconds: the most wall time, checked between steps (default ``None``: no limit).
        callback: called with each ``Step`` after it is taken (default ``None``).
        history: keep every ``Step`` in ``Fit.history`` (default ``True``; the start is
            always kept).

    Returns a ``Fit``. Raises ``ConfigError`` for weights that are not (S, k), a negative
    budget, or a budget too small for the strategy to start.

    >>> import torch
    >>> from weightfit.search import Guess
    >>> quadratic = lambda w: ((w - 2.0) ** 2).sum(-1)  # (..., S, k) -> (..., S)
    >>> fit = minimize(quadratic, [[1.0]], Guess(step=0.25, iterations=8))
    >>> fit.weight, fit.evaluations, fit.stop
    (2.0, 16, 'iterations')
    """
    strategy = get_strategy(strategy)
    if max_evaluations is not None and max_evaluations < 0:
        raise ConfigError(f"Invalid max_evaluations: {max_evaluations} (must be >= 0)")
    w = torch.as_tensor(weights, dtype=DTYPE)
    if w.ndim != 2:
        raise ConfigError(f"Invalid weights shape {tuple(w.shape)}: expected (series, weights)")
    budget = _Budget(objective, max_evaluations)
    began = time.perf_counter()
    try:
        state = strategy.start(budget, w)
    except OutOfBudget:
        raise ConfigError(
            f"max_evaluations={max_evaluations} is too small for {strategy.name} to start"
        ) from None
    steps = [Step(budget.count, state.loss.detach().clone(), state.weights.detach().clone())]
    stop = strategy.done(state)
    while stop is None:
        if max_seconds is not None and time.perf_counter() - began > max_seconds:
            stop = "max_seconds"
            break
        try:
            state = strategy.step(budget, state)
        except OutOfBudget:
            stop = "max_evaluations"
            break
        if history or callback is not None:
            step = Step(budget.count, _detached(state.loss), _detached(state.weights))
            if history:
                steps.append(step)
            if callback is not None:
                callback(step)
        stop = strategy.done(state)
    loss = state.loss.detach()
    if bool(torch.isnan(loss).any()):  # a strategy that never scored its weights (0 iterations)
        with torch.no_grad():
            loss = budget.objective(state.weights.detach())
        budget.count += 1
    return Fit(
        weights=state.weights.detach(),
        loss=loss,
        evaluations=budget.count,
        iterations=int(state.iteration),
        stop=stop,
        strategy=strategy.name,
        seconds=time.perf_counter() - began,
        history=steps if history else [],
    )
