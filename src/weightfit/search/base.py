"""What a search sees and returns: the objective's interface, the strategy protocol, ``Fit``.

A strategy sees one callable, ``objective(weights) -> loss``: weights (S, k), or a stack of
candidates (C, S, k), give one loss per series (S,) or (C, S). Through the driver it may also ask
four documented questions, and nothing else (it never sees the data or the model):

- ``objective.optimum``: the closed-form least-squares weights (S, k), or ``None`` where the
  model and loss have none (what ``LeastSquares`` jumps to);
- ``objective.rows``: how many (window, next price) rows the loss averages, or ``None``;
- ``objective.subset(rows)``: the same loss on some rows only (a minibatch), counted too;
- ``objective.tail(fraction)``: ``(train, valid)`` rows, each series' last ``fraction`` held
  out in time order (a validation tail for early stopping).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from torch import Tensor


class ObjectiveFn(Protocol):
    """What a strategy is handed: a counted objective (see the module docstring)."""

    optimum: Tensor | None
    rows: int | None
    name: str

    def __call__(self, weights: Tensor) -> Tensor: ...
    def subset(self, rows: Tensor) -> Callable[[Tensor], Tensor]: ...
    def tail(self, fraction: float) -> tuple[Tensor, Tensor]: ...


class Strategy(Protocol):
    name: str

    def start(self, objective: ObjectiveFn, weights: Tensor) -> Any: ...
    def step(self, objective: ObjectiveFn, state: Any) -> Any: ...
    def done(self, state: Any) -> str | None: ...


class Step(NamedTuple):
    """One accepted step: the evaluations spent so far, the loss and weights after it."""

    evaluations: int
    loss: Tensor  # (S,)
    weights: Tensor  # (S, k)


@dataclass(frozen=True)
class Fit:
    """What every strategy returns (after scipy's ``OptimizeResult``).

    ``stop`` is data, one of: ``"iterations"``, ``"tolerance"``, ``"max_evaluations"``,
    ``"max_seconds"``, ``"exact"``, ``"early_stopping"``, ``"no_progress"``.
    """

    weights: Tensor  # (S, k)
    loss: Tensor  # (S,)
    evaluations: int
    iterations: int
    stop: str
    strategy: str
    seconds: float
    history: list[Step] = field(default_factory=list, repr=False)

    @property
    def weight(self) -> float:
        """The single weight of a one-series, one-weight fit."""
        return float(self.weights.reshape(-1)[0]) if self.weights.numel() == 1 else float("nan")
