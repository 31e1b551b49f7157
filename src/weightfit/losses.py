"""Losses: ``loss(prediction, target)``, reduced per series.

A loss is pointwise error plus a mean. ``mse(prediction, target)`` has the semantics of
``torch.nn.functional.mse_loss`` (the tutorial's measure); given ``series`` it returns one
mean per series, so one call scores thousands of series.

>>> import torch
>>> prediction, target = torch.tensor([424.2, 10.0]), torch.tensor([425.0, 11.0])
>>> bool(mse(prediction, target) == torch.nn.functional.mse_loss(prediction, target))
True
>>> mse(prediction, target, series=torch.tensor([0, 1]))  # one mean per series
tensor([0.6400, 1.0000])
"""

from __future__ import annotations

import torch
from torch import Tensor

from weightfit.errors import ConfigError


class Loss:
    """Mean of a pointwise error, overall or per series.

    A subclass sets ``name`` and writes ``pointwise``; call the instance (``mse``, ``mae``).
    """

    name = "loss"

    def pointwise(self, prediction: Tensor, target: Tensor) -> Tensor:
        """The error of each row: prediction (..., N) and target (N,) -> (..., N)."""
        raise NotImplementedError

    def __call__(
        self,
        prediction: Tensor,  # (..., N)
        target: Tensor,  # (N,)
        series: Tensor | None = None,  # (N,) int64 in [0, n_series)
        n_series: int | None = None,
    ) -> Tensor:  # (...) or (..., S)
        """The mean error: over the last axis, or per series.

        Args:
            prediction: (..., N) predictions (a leading C axis for C candidates).
            target: (N,) the true values.
            series: (N,) int64, each row's series (default ``None``: one mean over all rows).
            n_series: S, the number of series (default ``None``: ``series.max() + 1``).

        Returns (...) without ``series``, else (..., S) (0 for a series with no rows).
        """
        errors = self.pointwise(prediction, target)
        if series is None:
            return errors.mean(dim=-1) if errors.ndim else errors
        return per_series_mean(errors, series, n_series)

    def __repr__(self) -> str:
        return self.name


class MSE(Loss):
    """Mean squared error, as ``torch.nn.functional.mse_loss``."""

    name = "mse"

    def pointwise(self, prediction: Tensor, target: Tensor) -> Tensor:
        """``(prediction - target) ** 2``, (..., N)."""
        return (prediction - target).square()


class MAE(Loss):
    """Mean absolute error, as ``torch.nn.functional.l1_loss``."""

    name = "mae"

    def pointwise(self, prediction: Tensor, target: Tensor) -> Tensor:
        """``|prediction - target|``, (..., N)."""
        return (prediction - target).abs()


mse = MSE()
mae = MAE()

LOSSES: dict[str, Loss] = {"mse": mse, "mae": mae}


def per_series_mean(
    values: Tensor,  # (..., N)
    series: Tensor,  # (N,)
    n_series: int | None = None,
) -> Tensor:  # (..., S)
    """Mean of ``values`` over the rows of each series, in one pass (no loop per series).

    Args:
        values: (..., N) one value per row.
        series: (N,) int64, each row's series in [0, S).
        n_series: S (default ``None``: ``series.max() + 1``).

    Returns (..., S); a series with no rows gets 0.
    """
    n = int(series.max()) + 1 if n_series is None else n_series
    lead = values.shape[:-1]
    flat = values.reshape(-1, values.shape[-1])  # (C, N)
    sums = torch.zeros(flat.shape[0], n, dtype=values.dtype, device=values.device)
    sums.index_add_(1, series, flat)
    counts = torch.bincount(series, minlength=n).clamp(min=1).to(values.dtype)  # 0 rows: 0
    return (sums / counts).reshape(*lead, n)


def get_loss(loss: str | Loss) -> Loss:
    """A loss by name (``"mse"``, ``"mae"``) or the object itself.

    Args:
        loss: a key of ``LOSSES`` or a ``Loss``; ``ConfigError`` for an unknown name.
    """
    if isinstance(loss, Loss):
        return loss
    if loss not in LOSSES:
        raise ConfigError(f"Unknown loss {loss!r}: expected one of {', '.join(LOSSES)}")
    return LOSSES[loss]
