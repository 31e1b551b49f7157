"""``Gradient``: torch.optim's first-order methods (SGD, Adam, ...) on the objective's autograd.

One iteration is one epoch: one full-batch step, or one pass over shuffled minibatches of the
(window, next price) rows. Every objective call counts as one evaluation (a minibatch call too).
The state keeps the best weights seen per series, so the result is never worse than the start;
``patience`` epochs without a relative improvement of ``tol`` in the total loss stop it early.

``validation`` (a fraction) holds out the last rows of each series, in time order, as a
validation tail: the optimizer trains on the rest, and the best weights, the reported loss and
early stopping all follow the tail's loss (early stopping on held-out data, Prechelt 1998).
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple

import torch
from torch import Tensor

from weightfit.errors import ConfigError
from weightfit.search.base import ObjectiveFn

OPTIMIZERS: dict[str, Any] = {  # name -> torch.optim class
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "nadam": torch.optim.NAdam,
    "radam": torch.optim.RAdam,
    "adamax": torch.optim.Adamax,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
}


class GradientState(NamedTuple):
    """The best weights seen and their loss, the stale count, torch's parameter and optimizer."""

    weights: Tensor  # (S, k) the best weights seen
    loss: Tensor  # (S,) their loss
    iteration: int
    stale: int  # epochs without improvement
    parameter: Tensor  # the weights the optimizer moves
    optimizer: torch.optim.Optimizer
    train: Tensor | None = None  # (n,) rows trained on, with a validation tail
    valid: Tensor | None = None  # (m,) the validation tail's rows


class Gradient:
    """Follow the gradient with a torch.optim optimizer, full batch or minibatches.

    One evaluation to start; an epoch costs 1 full batch (the loss at the weights before the
    step, whose gradient makes it), 2 with a validation tail (train, then tail), or one per
    minibatch plus one to score the weights after the pass. The registry's ``"adam"``,
    ``"sgd"``, ... are this class with ``optimizer`` and ``lr`` preset; ``name`` is the
    optimizer's.

    Args:
        optimizer: a ``torch.optim`` class by name, one of ``OPTIMIZERS`` (default ``"adam"``).
        lr: the learning rate (default 0.01); > 0.
        epochs: the most epochs, one iteration each (default 1000); then
            ``stop == "iterations"``.
        batch_size: rows (window, next price pairs, of all series together) per minibatch,
            shuffled each epoch (default ``None``: the full batch, one step an epoch); >= 1.
        patience: stop (``"early_stopping"``) after this many epochs in a row without a
            relative improvement of ``tol`` in the total loss over series (default 100;
            ``None``: never).
        tol: the relative improvement an epoch must make to reset ``patience`` (default 1e-12).
        seed: the seed of the minibatch shuffles (default 0).
        validation: the fraction of each series' last rows held out, in time order, to choose
            the best weights and stop early on (default ``None``: train and choose on all rows);
            in (0, 1).
        **options: passed to the optimizer (e.g. ``momentum=0.9`` for SGD,
            ``betas=(0.9, 0.99)`` for Adam).

    Source: ``torch.optim``: SGD (Robbins & Monro 1951), Adam and Adamax (Kingma & Ba 2015),
    AdamW (Loshchilov & Hutter 2019), NAdam (Dozat 2016), RAdam (Liu et al. 2020), RMSprop
    (Tieleman & Hinton 2012), Adagrad (Duchi et al. 2011); early stopping on a held-out tail
    after Prechelt (1998), "Early stopping - but when?".
    """

    name = "gradient"

    def __init__(
        self,
        *,
        optimizer: str = "adam",
        lr: float = 0.01,
        epochs: int = 1000,
        batch_size: int | None = None,
        patience: int | None = 100,
        tol: float = 1e-12,
        seed: int = 0,
        validation: float | None = None,
        **options: Any,
    ) -> None:
        if optimizer not in OPTIMIZERS:
            raise ConfigError(
                f"Unknown optimizer {optimizer!r}: expected one of {', '.join(OPTIMIZERS)}"
            )
        if not lr > 0:
            raise ConfigError(f"Invalid lr: {lr!r} (must be > 0)")
        if batch_size is not None and batch_size < 1:
            raise ConfigError(f"Invalid batch_size: {batch_size!r} (must be >= 1)")
        if validation is not None and not 0 < validation < 1:
            raise ConfigError(f"Invalid validation: {validation!r} (a fraction between 0 and 1)")
        self.validation = validation
        self.optimizer, self.lr, self.epochs, self.batch_size = optimizer, lr, epochs, batch_size
        self.patience, self.tol, self.seed, self.options = patience, tol, seed, options
        self.name = optimizer
        self._generator = torch.Generator()

    def start(self, objective: ObjectiveFn, weights: Tensor) -> GradientState:
        """Reseed; a fresh optimizer on a copy of the weights (S, k); split off the validation
        tail if asked; score the start (on the tail, if any) as the best so far."""
        self._generator.manual_seed(self.seed)
        parameter = weights.detach().clone().requires_grad_(True)
        opt = OPTIMIZERS[self.optimizer]([parameter], lr=self.lr, **self.options)
        train = valid = None
        if self.validation is not None:
            train, valid = objective.tail(self.validation)
        state = GradientState(weights, weights.new_empty(0), 0, 0, parameter, opt, train, valid)
        with torch.no_grad():
            return state._replace(loss=self._score(objective, state, weights))

    def _score(self, objective: ObjectiveFn, state: GradientState, weights: Tensor) -> Tensor:
        """The loss that picks the best weights: the validation tail's, or the whole data's."""
        if state.valid is None:
            return objective(weights)
        return objective.subset(state.valid)(weights)

    def _descend(self, objective: ObjectiveFn, state: GradientState) -> tuple[Tensor, Tensor]:
        """One epoch of optimizer steps; the weights (S, k) it scores and their loss (S,)."""
        p, opt = state.parameter, state.optimizer
        if self.batch_size is None:
            at = p.detach().clone()
            opt.zero_grad()
            if state.train is None:
                loss = objective(p)  # (S,) at the weights before this step
                loss.sum().backward()
                opt.step()
                return at, loss.detach()
            objective.subset(state.train)(p).sum().backward()
            opt.step()
        else:
            rows = state.train
            if rows is None:
                if objective.rows is None:
                    raise ConfigError(
                        f"batch_size needs an objective over rows; {objective.name} has none"
                    )
                rows = torch.arange(objective.rows)
            order = rows[torch.randperm(len(rows), generator=self._generator)]
            for batch in order.split(self.batch_size):
                opt.zero_grad()
                objective.subset(batch)(p).sum().backward()
                opt.step()
        at = p.detach().clone()
        with torch.no_grad():
            return at, self._score(objective, state, at)

    def step(self, objective: ObjectiveFn, state: GradientState) -> GradientState:
        """One epoch; keep each series' weights where their loss is lower than its best; count
        the epoch as stale unless the total loss fell by more than ``tol`` (relative)."""
        with torch.enable_grad():
            at, loss = self._descend(objective, state)
        better = loss < state.loss
        weights = torch.where(better[:, None], at, state.weights)
        best = torch.where(better, loss, state.loss)
        gain = float(state.loss.sum() - best.sum())
        stale = 0 if gain > self.tol * abs(float(state.loss.sum())) else state.stale + 1
        return state._replace(
            weights=weights, loss=best, iteration=state.iteration + 1, stale=stale
        )

    def done(self, state: GradientState) -> str | None:
        """``"early_stopping"`` after ``patience`` stale epochs, or ``"iterations"``."""
        if self.patience is not None and state.stale >= self.patience:
            return "early_stopping"
        return "iterations" if state.iteration >= self.epochs else None


def preset(optimizer: str, lr: float) -> Any:
    """``Gradient`` with a named optimizer and its usual learning rate (a thin preset)."""
    return partial(Gradient, optimizer=optimizer, lr=lr)
