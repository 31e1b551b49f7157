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
    """What a strategy is handed: a counted objective (see the module docstring).

    Attributes:
        optimum: the closed-form least-squares weights (S, k), or ``None`` where there are none.
        rows: how many (window, next price) rows the loss averages (N), or ``None``.
        name: the model and loss, for messages (``"Scale under mse"``).
    """

    optimum: Tensor | None
    rows: int | None
    name: str

    def __call__(self, weights: Tensor) -> Tensor:
        """One loss per series: weights (S, k) -> (S,), or C candidates (C, S, k) -> (C, S).

        A call costs one evaluation per candidate (C for a stack, 1 for (S, k)), whatever S is.
        """
        ...

    def subset(self, rows: Tensor) -> Callable[[Tensor], Tensor]:
        """The same loss on some rows only (a minibatch): ``rows`` (n,) int64 indices in [0, N).

        The returned callable maps (S, k) -> (S,) like the objective (each series' mean over its
        rows in ``rows``; 0 for a series with none there), and its calls are counted too.
        """
        ...

    def tail(self, fraction: float) -> tuple[Tensor, Tensor]:
        """``(train, valid)`` row indices (n,) and (m,): each series' last ``fraction`` of its
        rows, in time order, held out as a validation tail (at least one row where a series has
        two or more). Uncounted: no loss is computed."""
        ...


class Strategy(Protocol):
    """A search strategy: keyword-only settings, three methods, a printable state.

    The state is a NamedTuple with at least ``weights`` (S, k), ``loss`` (S,) and ``iteration``
    (int); the driver (``minimize``) owns the loop, the budget and the history.

    Attributes:
        name: the strategy's registry name (``"guess"``), as ``Fit.strategy`` reports it.
    """

    name: str

    def start(self, objective: ObjectiveFn, weights: Tensor) -> Any:
        """The first state from the start ``weights`` (S, k); it may evaluate the objective."""
        ...

    def step(self, objective: ObjectiveFn, state: Any) -> Any:
        """One iteration: the next state, ``iteration`` one higher, its loss (S,) evaluated."""
        ...

    def done(self, state: Any) -> str | None:
        """Why to stop now (``"iterations"``, ``"tolerance"``, ...), or ``None`` to go on."""
        ...


class Step(NamedTuple):
    """One accepted step: the evaluations spent so far, the loss and weights after it.

    Attributes:
        evaluations: loss evaluations counted by the driver up to and including this step.
        loss: (S,) the loss of each series after the step.
        weights: (S, k) the weights after the step.
    """

    evaluations: int
    loss: Tensor  # (S,)
    weights: Tensor  # (S, k)


@dataclass(frozen=True)
class Fit:
    """What every strategy returns (after scipy's ``OptimizeResult``).

    ``stop`` is data, one of: ``"iterations"``, ``"tolerance"``, ``"max_evaluations"``,
    ``"max_seconds"``, ``"exact"``, ``"early_stopping"``, ``"no_progress"``.

    Attributes:
        weights: (S, k) where the search ended: the best seen (``Guess`` always moves, so for
            it the last point).
        loss: (S,) their loss.
        evaluations: loss evaluations spent (a stack of C candidates counts C).
        iterations: strategy steps taken (``step`` calls that finished).
        stop: why the search stopped (see above).
        strategy: the strategy's name (``"guess"``, ``"adam"``, ...).
        seconds: wall time of the search.
        history: one ``Step`` for the start and one per iteration (empty with ``history=False``).
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
