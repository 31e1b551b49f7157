"""The linear models: the tutorial's ``Scale``, ``Affine``, ``AutoRegressive``, and ``Naive``.

>>> import torch
>>> from weightfit.models.windows import Windows
>>> Scale(weight=1.01)(Windows.from_pairs([420.0], [425.0]))  # the tutorial's first prediction
tensor([424.2000], dtype=torch.float64, grad_fn=<AddBackward0>)
"""

from __future__ import annotations

import torch
from torch import Tensor

from weightfit.errors import ConfigError
from weightfit.models.base import LinearModel
from weightfit.models.windows import DTYPE, Windows


class RandomWalk(LinearModel):
    """Tomorrow's price is today's, as a weight model with no weights: the ``Naive`` baseline
    written as ``predict(data, weights)``, for learners comparing it with ``Scale``.

    Window 1, k = 0 (weights (S, 0)).

    Args:
        n_series: the series its module ``weight`` (S, 0) serves (default 1).
    """

    name = "random_walk"
    nests_naive_why = "it is naive"

    def design(self, data: Windows) -> tuple[Tensor, Tensor]:
        """No features (N, 0); the offset is the last price (N,)."""
        last = data.x[:, -1]
        return last.new_zeros(len(last), 0), last

    def linear_map(self) -> tuple[Tensor, Tensor]:
        """``A`` (2, 0), ``b = [1, 0]``: the offset is the price."""
        return torch.zeros(2, 0, dtype=DTYPE), torch.tensor([1.0, 0.0], dtype=DTYPE)


class Scale(LinearModel):
    """The tutorial's model: ``prediction = price * weight``.

    Window 1, k = 1.

    Args:
        weight: the start weight of every series (default 1.0, the random walk; the tutorial
            starts at 1.01).
        n_series: the series its module ``weight`` (S, 1) serves (default 1).
    """

    name = "scale"
    n_weights = 1
    nests_naive_why = "weight 1 gives the last price"

    def __init__(self, weight: float = 1.0, n_series: int = 1) -> None:
        self._initial = float(weight)
        super().__init__(n_series)

    def initial_weights(self, n_series: int) -> Tensor:
        """(S, 1), every entry the ``weight`` it was built with."""
        return torch.full((n_series, 1), self._initial, dtype=DTYPE)

    def design(self, data: Windows) -> tuple[Tensor, Tensor]:
        """The last price as the one feature (N, 1); no offset (N,) zeros."""
        last = data.x[:, -1:]  # (N, 1)
        return last, last.new_zeros(len(last))

    def linear_map(self) -> tuple[Tensor, Tensor]:
        """``A = [[1], [0]]`` (2, 1), ``b = 0`` (2,): the feature is the price."""
        return torch.tensor([[1.0], [0.0]], dtype=DTYPE), torch.zeros(2, dtype=DTYPE)

    def weight_names(self) -> list[str]:
        """``["weight"]``."""
        return ["weight"]


class Affine(LinearModel):
    """``prediction = price * weight + bias`` (the bias in price units).

    Window 1, k = 2 (weight, bias); it starts at (1, 0), the random walk.

    Args:
        n_series: the series its module ``weight`` (S, 2) serves (default 1).
    """

    name = "affine"
    n_weights = 2
    nests_naive_why = "weight 1 and bias 0 give the last price"

    def initial_weights(self, n_series: int) -> Tensor:
        """(S, 2), each row ``[1, 0]``: the last price."""
        return torch.tensor([[1.0, 0.0]], dtype=DTYPE).repeat(n_series, 1)

    def design(self, data: Windows) -> tuple[Tensor, Tensor]:
        """Features ``[price, 1]`` (N, 2); no offset (N,) zeros."""
        last = data.x[:, -1:]  # (N, 1)
        return torch.cat([last, torch.ones_like(last)], 1), last.new_zeros(len(last))

    def linear_map(self) -> tuple[Tensor, Tensor]:
        """``A = I`` (2, 2), ``b = 0`` (2,): the features are the window row ``[x[t], 1]``."""
        return torch.eye(2, dtype=DTYPE), torch.zeros(2, dtype=DTYPE)

    def weight_names(self) -> list[str]:
        """``["weight", "bias"]``."""
        return ["weight", "bias"]


class AutoRegressive(LinearModel):
    """An autoregression on the last ``lags`` prices, scale-free.

    The window is divided by its last price: ``z_j = x[t-j] / x[t] - 1`` for the ``lags - 1``
    older prices (the last one gives ``z_0 = 0`` and is dropped), and the model predicts the ratio
    ``y / x[t] = 1 + bias + sum_j a_j z_j``. So one set of weights means the same for a 5 USD and
    a 5000 USD ticker, and all-zero weights are the naive forecast. In price units the prediction
    is ``x[t] + bias * x[t] + sum_j a_j (x[t-j] - x[t])``: linear in the weights, fitted in closed
    form under MSE, and equal to a least-squares regression of ``y`` on the ``lags`` last prices
    without intercept (``bias=True``).

    Window W = ``lags``; k = ``lags - 1 + bias`` weights ``a1 .. a{lags-1}`` (then ``bias``).

    Args:
        lags: how many past prices it reads (default 5); an integer >= 1 (``lags=1`` with
            ``bias=True`` is ``Scale`` rewritten as ``1 + bias``).
        bias: whether to fit the ratio's constant ``bias`` (default ``True``).
        n_series: the series its module ``weight`` (S, k) serves (default 1).

    Source: an AR(p) on price ratios; the closed form is ordinary least squares
    (``weightfit.linear``).
    """

    name = "ar"
    nests_naive_why = "all-zero weights give the last price"

    def __init__(self, lags: int = 5, bias: bool = True, n_series: int = 1) -> None:
        if int(lags) != lags or lags < 1:
            raise ConfigError(f"Invalid lags: {lags!r} (must be an integer >= 1)")
        self.lags = int(lags)
        self.bias = bool(bias)
        self.window = self.lags
        self.n_weights = self.lags - 1 + int(self.bias)
        super().__init__(n_series)

    def design(self, data: Windows) -> tuple[Tensor, Tensor]:
        """Features ``x[t-j] - x[t]`` for j = 1 .. lags - 1 (then ``x[t]`` with ``bias``), (N, k);
        the offset is the last price ``x[t]`` (N,)."""
        x = data.x[:, -self.lags :]  # (N, p) oldest first
        last = x[:, -1:]  # (N, 1)
        parts = [(x[:, :-1] - last).flip(1)]  # (N, p - 1): x[t-1] - x[t], x[t-2] - x[t], ...
        if self.bias:
            parts.append(last)
        return torch.cat(parts, 1), last[:, 0]

    def linear_map(self) -> tuple[Tensor, Tensor]:
        """``(A, b)``, (lags + 1, k) and (lags + 1,), that give ``design`` from the window rows."""
        p = self.lags
        a = torch.zeros(p + 1, self.n_weights, dtype=DTYPE)
        for j in range(1, p):  # feature j - 1 is x[t-j] - x[t]; x[t-j] is column p - 1 - j
            a[p - 1 - j, j - 1], a[p - 1, j - 1] = 1.0, -1.0
        if self.bias:
            a[p - 1, -1] = 1.0
        b = torch.zeros(p + 1, dtype=DTYPE)
        b[p - 1] = 1.0
        return a, b

    def weight_names(self) -> list[str]:
        """``a1 .. a{lags-1}`` (the weight of ``x[t-j] - x[t]``), then ``bias``."""
        return [f"a{j}" for j in range(1, self.lags)] + (["bias"] if self.bias else [])

    def extra_repr(self) -> str:
        """``lags``, ``bias``, series and weights counts."""
        return f"lags={self.lags}, bias={self.bias}, " + super().extra_repr()
