"""The model protocol: ``predict(data, weights)``, a ``torch.nn.Module`` whose forward predicts.

Weights are per series: a tensor of shape (S, k), or (C, S, k) for C candidate settings scored in
one call. ``predict`` is pure (a search passes candidates); ``forward`` uses the module's own
``weight`` parameter, so the gradient strategies see an ordinary module.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from weightfit.models.windows import DTYPE, Windows


class Model(nn.Module):
    """A one-step-ahead price model with ``n_weights`` weights per series.

    A subclass sets ``name``, ``window`` (W, the past prices it reads) and ``n_weights`` (k),
    and writes ``predict``.

    Args:
        n_series: how many series the module's own ``weight`` parameter (S, k) serves
            (default 1); ``predict`` takes any weights and does not use it.
    """

    name = "model"
    window = 1  # how many past prices it reads
    n_weights = 0
    # Does the model nest naive (some weights give the last price)? Then it is tested against
    # naive with Clark-West (2007); otherwise with Diebold-Mariano. ``nests_naive_why`` says why.
    nests_naive = True
    nests_naive_why = "its initial weights give the last price"

    def __init__(self, n_series: int = 1) -> None:
        super().__init__()
        self.weight = nn.Parameter(self.initial_weights(n_series))

    def initial_weights(self, n_series: int) -> Tensor:  # (S, k)
        """Where a search starts, (S, k) float64: by default all zeros (for the linear models,
        the weights that predict the last price).

        Args:
            n_series: S, the number of series.
        """
        return torch.zeros(n_series, self.n_weights, dtype=DTYPE)

    def predict(self, data: Windows, weights: Tensor) -> Tensor:  # (..., S, k) -> (..., N)
        """The next price for every row of ``data``, with each row's series' weights.

        Args:
            data: N rows of (window, next price); ``data.series`` (N,) picks each row's weights.
            weights: (S, k), or (C, S, k) for C candidates scored at once.

        Returns (N,), or (C, N). Pure: it does not read the module's ``weight``.
        """
        raise NotImplementedError

    def forward(self, data: Windows) -> Tensor:  # (N,)
        """``predict(data, self.weight)``: (N,) with the module's own weights (S, k)."""
        return self.predict(data, self.weight)

    def reset(self, n_series: int) -> None:
        """Resize the module's ``weight`` to (n_series, k), back at the initial values."""
        self.weight = nn.Parameter(self.initial_weights(n_series))

    @property
    def min_pairs(self) -> int:
        """The fewest (window, next price) pairs a fit needs: one per weight by default."""
        return max(1, self.n_weights)

    def weight_names(self) -> list[str]:
        """The k weights' names, in column order (``w0``, ``w1``, ... by default)."""
        return [f"w{i}" for i in range(self.n_weights)]

    def extra_repr(self) -> str:
        """What ``repr`` shows inside the parentheses: series and weights counts."""
        return f"series={self.weight.shape[0]}, weights={self.n_weights}"


class LinearModel(Model):
    """A model linear in its weights: ``prediction = offset + features @ w`` (per series).

    Linear models under MSE have a closed-form optimum and a fast path: the loss is a quadratic
    form in a few sufficient statistics (see ``weightfit.objective``).
    """

    def design(self, data: Windows) -> tuple[Tensor, Tensor]:  # (N, k), (N,)
        """``(features, offset)``: (N, k) and (N,), with ``prediction = offset + features @ w``
        for each row's series' weights ``w`` (k,). They do not depend on the weights."""
        raise NotImplementedError

    def linear_map(self) -> tuple[Tensor, Tensor]:  # (W + 1, k), (W + 1,)
        """``(A, b)`` with ``features = X A`` and ``offset = X b``, where a row of ``X`` is the
        window and a 1: ``[x[t-W+1], ..., x[t], 1]``. The batched engine fits from ``X'X``."""
        raise NotImplementedError

    def predict(self, data: Windows, weights: Tensor) -> Tensor:
        """``offset + features @ w`` per row: weights (S, k) -> (N,), (C, S, k) -> (C, N)."""
        features, offset = self.design(data)  # (N, k), (N,)
        w = weights[..., data.series, :]  # (..., N, k)
        return offset + (features * w).sum(-1)
