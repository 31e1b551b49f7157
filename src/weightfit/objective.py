"""The objective a search sees: ``objective(weights) -> loss``, one loss per series.

Built once from a model, data and a loss. Weights of shape (S, k) give losses (S,); a stack of C
candidates (C, S, k) gives (C, S) in one vectorised call, and counts as C evaluations.

The fast path: for a linear model under MSE, ``prediction = offset + F w``, so with residual
target ``d = y - offset`` the loss of series s is the quadratic form

    n_s * loss_s(w) = (w - w*)' G_s (w - w*) + r_s,   G_s = F_s' F_s,  G_s w* = F_s' d_s,

with ``r_s`` the residual sum of squares at the least-squares optimum ``w*``. The statistics are
computed once (two passes over the data); after that an evaluation costs O(k^2) per series, not
O(n k). Centring the form at ``w*`` keeps the loss accurate near the optimum, where the textbook
``w'Gw - 2c'w + d'd`` cancels catastrophically.

>>> from weightfit.models import Scale
>>> from weightfit.models.windows import Windows
>>> objective = Objective(Scale(), Windows.from_pairs([420.0], [425.0]))
>>> objective.fast, objective.optimum.tolist()
(True, [[1.0119047619047619]])
"""

from __future__ import annotations

import functools

import torch
from torch import Tensor

from weightfit.errors import DataError
from weightfit.linear import Statistics, panel_statistics, statistics
from weightfit.losses import MSE, Loss, get_loss, per_series_mean
from weightfit.models.base import LinearModel, Model
from weightfit.models.windows import Windows


class Objective:
    """``loss(weights)`` per series for one model on one data set.

    Args:
        model: the model whose weights are searched.
        data: the N (window, next price) rows of S series; every series needs a row.
        loss: ``"mse"`` (default), ``"mae"`` or a ``Loss``.
        fast: use the closed-form quadratic form for a linear model under MSE (default
            ``True``); ``False`` predicts every row on every call (the oracle of the fast path).
        dtype: round predictions and targets to it before the loss (default ``None``: keep
            float64); ``torch.float32`` is the tutorial's. It turns the fast path off.

    Raises ``DataError`` when there are no rows, or a series has none.
    """

    def __init__(
        self,
        model: Model,
        data: Windows,
        loss: str | Loss = "mse",
        *,
        fast: bool = True,
        dtype: torch.dtype | None = None,
    ) -> None:
        """Build the objective (see the class's Args); the fast path's statistics once.

        ``dtype`` rounds predictions and targets to it before the loss (``torch.float32`` is
        what the tutorial's ``torch.tensor(float)`` does); it turns the fast path off."""
        self.model, self.data, self.loss = model, data, get_loss(loss)
        self.dtype = dtype
        self.n_series, self.n_weights = data.n_series, model.n_weights
        if len(data) == 0:
            raise DataError("No data to fit: every series is shorter than the model's window")
        if data.panel is not None:  # equal-length series: every series has len / S rows
            counts = torch.full((data.n_series,), len(data) // max(data.n_series, 1))
        else:
            counts = torch.bincount(data.series, minlength=data.n_series)
        if bool((counts == 0).any()):
            s = int((counts == 0).nonzero()[0, 0])
            raise DataError(
                f"Series {s} has no (window, next price) pair: it needs more than "
                f"{model.window} prices for a model of window {model.window}"
            )
        self.fast = (
            fast
            and dtype in (None, torch.float64 if data.panel is not None else data.y.dtype)
            and isinstance(model, LinearModel)
            and isinstance(self.loss, MSE)
        )
        self.stats: Statistics | None = None
        if self.fast and data.panel is not None:  # lag moments of the block: no windows built
            self.stats = panel_statistics(model, data.panel)  # type: ignore[arg-type]
        elif self.fast:
            self.stats = statistics(model, data)  # type: ignore[arg-type]
        if self.stats is not None:
            g, w_star, r, n = self.stats
            self._quadratic: tuple[Tensor, Tensor, Tensor] | None = (
                g / n[:, None, None],
                w_star,
                r / n,
            )
        else:
            self._quadratic = None

    @functools.cached_property
    def _target(self) -> Tensor:  # (N,) in the loss's precision
        return self.data.y if self.dtype is None else self.data.y.to(self.dtype)

    # a linear model's design does not depend on the weights: built once, on first use (the
    # fast path on a panel never needs it, so lazy windows stay unbuilt)
    @functools.cached_property
    def _design(self) -> tuple[Tensor, Tensor] | None:
        model = self.model
        return model.design(self.data) if isinstance(model, LinearModel) else None

    @functools.cached_property
    def _has_offset(self) -> bool:
        return self._design is not None and bool(self._design[1].any())

    @functools.cached_property
    def _row(self) -> Tensor:  # (k, N)
        return self._design[0].T if self._design is not None else torch.empty(0)

    @property
    def name(self) -> str:
        """The model and loss, as messages name them: ``"Scale under mse"``."""
        return f"{type(self.model).__name__} under {self.loss}"

    @property
    def rows(self) -> int:
        """How many (window, next price) rows the loss averages over (for minibatches)."""
        return len(self.data)

    @property
    def optimum(self) -> Tensor | None:
        """The closed-form least-squares weights (S, k), where the fast path applies."""
        return None if self.stats is None else self.stats.optimum

    def __call__(self, weights: Tensor) -> Tensor:  # (..., S, k) -> (..., S)
        """The loss of each series: weights (S, k) -> (S,), (C, S, k) -> (C, S)."""
        if self._quadratic is not None:
            g, w_star, r = self._quadratic  # G / n, w*, r / n
            delta = weights - w_star  # (..., S, k)
            if self.n_weights == 1:  # (..., S): the tutorial's Scale, one multiply-add
                return torch.addcmul(r, delta[..., 0] * g[:, 0, 0], delta[..., 0])
            quad = (torch.matmul(delta[..., None, :], g)[..., 0, :] * delta).sum(-1)
            return quad + r
        return self.direct(weights)

    def tail(self, fraction: float) -> tuple[Tensor, Tensor]:
        """``(train, valid)`` row indices, (n,) and (m,): each series' last ``fraction`` of
        rows is held out (see ``validation_tail``)."""
        return validation_tail(self.data.series, fraction)

    def subset(self, rows: Tensor) -> Subset:
        """The loss on some rows only (a minibatch), each series' mean over its rows there.

        Args:
            rows: (n,) int64 row indices in [0, N).
        """
        return Subset(self, rows)

    def direct(self, weights: Tensor) -> Tensor:
        """The loss by predicting every row (what the fast path must equal): (..., S, k) ->
        (..., S)."""
        if self._design is None or self.n_series != 1:
            return self.score(self.data, self._target, weights)
        # one series (the tutorial's case), few ops: weights (..., 1, k) @ (k, N) -> (..., 1, N)
        features, offset = self._design
        # one weight: a plain product (the same number a matmul gives, one op cheaper)
        prediction = weights * self._row if self.n_weights == 1 else weights @ features.T
        if self._has_offset:
            prediction = prediction + offset
        if self.dtype is not None:
            prediction = prediction.to(self.dtype)
        errors = self.loss.pointwise(prediction, self._target)  # (..., 1, N)
        return errors[..., 0] if errors.shape[-1] == 1 else errors.mean(-1)  # (..., 1)

    def score(self, data: Windows, target: Tensor, weights: Tensor) -> Tensor:  # (..., S)
        """The loss of ``weights`` on ``data`` (rows of this objective's series), per series.

        Args:
            data: rows of this objective's S series (a subset of its data, say).
            target: (N,) their targets, in the loss's precision.
            weights: (..., S, k).

        Returns (..., S).
        """
        prediction = self.model.predict(data, weights)  # (..., N)
        if self.dtype is not None:
            prediction = prediction.to(self.dtype)
        errors = self.loss.pointwise(prediction, target)
        return per_series_mean(errors, data.series, self.n_series)


class Subset:
    """An objective over a subset of the rows; a series without rows in it scores 0.

    Args:
        parent: the full objective.
        rows: (n,) int64 row indices of the parent's data.
    """

    def __init__(self, parent: Objective, rows: Tensor) -> None:
        d = parent.data
        self.parent = parent
        self.data = Windows(d.x[rows], d.y[rows], d.series[rows], d.n_series)
        self.target = parent._target[rows]

    def __call__(self, weights: Tensor) -> Tensor:  # (..., S, k) -> (..., S)
        """The loss on these rows: (S, k) -> (S,), (C, S, k) -> (C, S)."""
        return self.parent.score(self.data, self.target, weights)


def validation_tail(series: Tensor, fraction: float) -> tuple[Tensor, Tensor]:
    """``(train, valid)`` row indices: the last ``fraction`` of each series' rows (at least one
    where a series has two or more), rows of a series in time order.

    Args:
        series: (N,) int64, each row's series; a series' rows are in time order.
        fraction: the share of each series' rows to hold out, rounded (in (0, 1)).

    Returns (n,) and (m,) int64 indices, n + m = N.

    >>> train, valid = validation_tail(torch.tensor([0, 0, 0, 0, 1, 1]), 0.25)
    >>> train.tolist(), valid.tolist()
    ([0, 1, 2, 4], [3, 5])
    """
    n_series = int(series.max()) + 1 if len(series) else 0
    order = torch.sort(series, stable=True).indices  # (N,) series by series, time order kept
    s = series[order]
    count = torch.bincount(series, minlength=n_series)  # (S,)
    first = torch.cumsum(count, 0) - count
    rank = torch.arange(len(s)) - first[s]  # (N,) position within its series
    n_valid = torch.clamp(torch.round(fraction * count).long(), min=1)
    n_valid = torch.where(count >= 2, n_valid.clamp(max=count - 1), torch.zeros_like(count))
    tail = rank >= count[s] - n_valid[s]
    return order[~tail], order[tail]
