"""``MLP``: a small neural network on the last ``lags`` prices, one per series.

It sees the window divided by its last price, ``z_j = x[t-j] / x[t] - 1`` for the ``lags - 1``
older prices (as ``AutoRegressive`` does), and predicts the ratio ``y / x[t] = 1 + net(z)``: one
set of weights serves a 5 USD and a 5000 USD ticker alike. The output layer starts at zero, so
an untrained MLP is the naive forecast. Each series has its own flat weight vector, laid out
layer by layer as (W1, b1, W2, b2, ...), so every search can move it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import torch
from torch import Tensor

from weightfit.errors import ConfigError
from weightfit.models.base import Model
from weightfit.models.windows import DTYPE, Windows

ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "gelu": torch.nn.functional.gelu,
    "sigmoid": torch.sigmoid,
}


class MLP(Model):
    """``y = x[t] * (1 + net(window / x[t] - 1))`` with hidden layers ``hidden``.

    Window W = ``lags``; the net maps the ``lags - 1`` older ratios to one output, so k is
    the sum over layers of ``out * in + out`` (``lags=5, hidden=(32,)``: 4*32+32 + 32+1 = 193).

    Args:
        lags: how many past prices it reads (default 5); an integer >= 2.
        hidden: the hidden layers' widths (default ``(32,)``); positive integers.
        activation: between hidden layers, one of ``relu``, ``tanh``, ``gelu``, ``sigmoid``
            (default ``"relu"``).
        seed: the seed of the initial weights (default 0).
        n_series: the series its module ``weight`` (S, k) serves (default 1).
    """

    name = "mlp"
    nests_naive_why = "a zero output layer gives the last price"

    def __init__(
        self,
        lags: int = 5,
        hidden: tuple[int, ...] = (32,),
        activation: str = "relu",
        seed: int = 0,
        n_series: int = 1,
    ) -> None:
        if int(lags) != lags or lags < 2:
            raise ConfigError(f"Invalid lags: {lags!r} (an MLP needs an integer >= 2)")
        if not hidden or any(int(h) != h or h < 1 for h in hidden):
            raise ConfigError(f"Invalid hidden: {hidden!r} (positive layer sizes)")
        if activation not in ACTIVATIONS:
            raise ConfigError(
                f"Unknown activation {activation!r}: expected one of {', '.join(ACTIVATIONS)}"
            )
        self.lags, self.window = int(lags), int(lags)
        self.hidden, self.activation, self.seed = tuple(int(h) for h in hidden), activation, seed
        sizes = [self.lags - 1, *self.hidden, 1]
        self.shapes = [(o, i) for i, o in itertools.pairwise(sizes)]
        self.n_weights = sum(o * i + o for o, i in self.shapes)
        super().__init__(n_series)

    def initial_weights(self, n_series: int) -> Tensor:
        """(S, k), the same row for every series: hidden layers U(-1/sqrt(in), 1/sqrt(in)),
        seeded; the output layer and every bias at zero (so the naive forecast)."""
        g = torch.Generator().manual_seed(self.seed)
        parts = []
        for n, (o, i) in enumerate(self.shapes):
            last = n == len(self.shapes) - 1
            bound = 0.0 if last else 1 / math.sqrt(i)  # He-style fan-in scale; output at zero
            w = (torch.rand(o * i, generator=g, dtype=DTYPE) * 2 - 1) * bound
            parts += [w, torch.zeros(o, dtype=DTYPE)]
        return torch.cat(parts).repeat(n_series, 1)

    def predict(self, data: Windows, weights: Tensor) -> Tensor:  # (..., S, k) -> (..., N)
        """The network per row with its series' weights: (S, k) -> (N,), (C, S, k) -> (C, N)."""
        x = data.x[:, -self.lags :]  # (N, p)
        last = x[:, -1]  # (N,)
        h = (x[:, :-1] / last[:, None] - 1).flip(1)  # (N, p - 1): z_1, z_2, ...
        w = weights[..., data.series, :]  # (..., N, k)
        act = ACTIVATIONS[self.activation]
        h = h.expand(*w.shape[:-1], h.shape[-1])  # (..., N, p - 1)
        at = 0
        for n, (o, i) in enumerate(self.shapes):
            matrix = w[..., at : at + o * i].reshape(*w.shape[:-1], o, i)
            at += o * i
            bias = w[..., at : at + o]
            at += o
            h = (matrix @ h[..., None])[..., 0] + bias  # (..., N, o)
            if n < len(self.shapes) - 1:
                h = act(h)
        return last * (1 + h[..., 0])

    def weight_names(self) -> list[str]:
        """``W1[r,c]`` then ``b1[r]``, layer by layer, in the flat vector's order."""
        names = []
        for n, (o, i) in enumerate(self.shapes):
            names += [f"W{n + 1}[{r},{c}]" for r in range(o) for c in range(i)]
            names += [f"b{n + 1}[{r}]" for r in range(o)]
        return names

    def extra_repr(self) -> str:
        """``lags``, ``hidden``, ``activation``, series and weights counts."""
        return f"lags={self.lags}, hidden={self.hidden}, activation={self.activation!r}, " + (
            super().extra_repr()
        )
