"""``LSTM`` and ``GRU``: recurrent networks on the last ``lags`` prices, one per series.

They read the window divided by its last price, oldest first, one value a step:
``z = x[t-p+1] / x[t] - 1, ..., x[t-1] / x[t] - 1, 0`` (weightfit's convention, as ``MLP``), run
one recurrent layer of ``hidden`` units over it, and a linear head on the last hidden state
predicts the ratio ``y / x[t] = 1 + head(h)``. The head starts at zero, so an untrained network
is exactly the naive forecast.

The cells are torch's own (``torch.nn.LSTM``, ``torch.nn.GRU``; Hochreiter & Schmidhuber 1997,
Cho et al. 2014), written out so that each series, and each candidate a search scores, has its
own flat weight vector. The vector is laid out as torch's parameters, ``weight_ih_l0`` (G, 1),
``weight_hh_l0`` (G, H), ``bias_ih_l0`` (G,), ``bias_hh_l0`` (G,), then the head's weight (1, H)
and bias (1,), with G = 4H for the LSTM (gates i, f, g, o) and 3H for the GRU (r, z, n);
``to_torch`` builds the equivalent ``torch.nn`` modules (the tests' oracle).

>>> import torch
>>> from weightfit.models.windows import Windows
>>> data = Windows.from_pairs([[410.0, 415.0, 420.0]], [425.0])
>>> LSTM(lags=3)(data)  # untrained: the last price
tensor([420.], dtype=torch.float64, grad_fn=<MulBackward0>)
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from weightfit.models.base import Model
from weightfit.models.windows import DTYPE, Windows


def _apply(matrix: Tensor, h: Tensor) -> Tensor:  # (..., R, o, i), (..., N, i) -> (..., N, o)
    """``matrix @ h`` per row; one shared matrix (R = 1) is a plain matmul, no per-row copy."""
    if matrix.shape[-3] == 1:
        return h @ matrix[..., 0, :, :].transpose(-1, -2)
    return (matrix @ h[..., None])[..., 0]


class Recurrent(Model):
    """The shared part of ``LSTM`` and ``GRU``: layout, initialisation, input and head.

    Window W = ``lags``; k = G + G H + 2 G + H + 1 with G = ``gates * hidden`` and H = ``hidden``
    (``LSTM(hidden=16)``: 1233).

    Args:
        lags: how many past prices it reads, one a step (default 10); an integer >= 2.
        hidden: H, the recurrent layer's units (default 16); an integer >= 1.
        seed: the seed of the initial weights (default 0).
        n_series: the series its module ``weight`` (S, k) serves (default 1).
    """

    gates = 1
    nests_naive_why = "a zero head gives the last price"

    def __init__(self, lags: int = 10, hidden: int = 16, seed: int = 0, n_series: int = 1) -> None:
        if int(lags) != lags or lags < 2:
            raise ValueError(f"Invalid lags: {lags!r} (a recurrent model needs an integer >= 2)")
        if int(hidden) != hidden or hidden < 1:
            raise ValueError(f"Invalid hidden: {hidden!r} (must be an integer >= 1)")
        self.lags, self.window, self.hidden, self.seed = int(lags), int(lags), int(hidden), seed
        g, h = self.gates * self.hidden, self.hidden
        # name, shape: torch's parameter names, in torch's order, then the head
        self.shapes = {
            "weight_ih_l0": (g, 1),
            "weight_hh_l0": (g, h),
            "bias_ih_l0": (g,),
            "bias_hh_l0": (g,),
            "head.weight": (1, h),
            "head.bias": (1,),
        }
        self.n_weights = sum(math.prod(s) for s in self.shapes.values())
        super().__init__(n_series)

    def initial_weights(self, n_series: int) -> Tensor:  # (S, k)
        """torch's default, U(-1/sqrt(H), 1/sqrt(H)), seeded; the head at zero (naive)."""
        gen = torch.Generator().manual_seed(self.seed)
        bound = 1 / math.sqrt(self.hidden)
        parts = []
        for name, shape in self.shapes.items():
            n = math.prod(shape)
            if name.startswith("head"):
                parts.append(torch.zeros(n, dtype=DTYPE))
            else:
                parts.append((torch.rand(n, generator=gen, dtype=DTYPE) * 2 - 1) * bound)
        return torch.cat(parts).repeat(n_series, 1)

    @property
    def min_pairs(self) -> int:
        """A network's weights outnumber the pairs; a fit needs a few, not one per weight."""
        return 2

    def unpack(self, weights: Tensor) -> dict[str, Tensor]:  # (..., R, k) -> (..., R, *shape)
        """The flat weights (..., R, k) as torch's named parameters, each (..., R, *shape)."""
        out, at = {}, 0
        for name, shape in self.shapes.items():
            n = math.prod(shape)
            out[name] = weights[..., at : at + n].reshape(*weights.shape[:-1], *shape)
            at += n
        return out

    def cell(
        self, p: dict[str, Tensor], x: Tensor, state: tuple[Tensor, ...]
    ) -> tuple[Tensor, ...]:
        """One recurrent step, torch's equations.

        Args:
            p: the unpacked parameters (``unpack``), each (..., R, *shape), R = 1 or N.
            x: (..., N, 1) this step's input ratio.
            state: ``(h,)`` for the GRU, ``(h, c)`` for the LSTM, each (..., N, H).

        Returns the next state, the same shapes.
        """
        raise NotImplementedError

    def predict(self, data: Windows, weights: Tensor) -> Tensor:  # (..., S, k) -> (..., N)
        """Run the cell over the window's ratios, the head on the last ``h``: (S, k) -> (N,),
        (C, S, k) -> (C, N)."""
        x = data.x[:, -self.lags :]  # (N, p)
        last = x[:, -1]  # (N,)
        z = x / last[:, None] - 1  # (N, p), oldest first, the last 0
        # one shared weight vector (one series) needs no per-row copy
        w = weights if weights.shape[-2] == 1 else weights[..., data.series, :]  # (..., R, k)
        p = self.unpack(w)
        batch = (*w.shape[:-2], len(z), self.hidden)
        h = z.new_zeros(batch)  # (..., N, H)
        state: tuple[Tensor, ...] = (h, torch.zeros_like(h)) if self.gates == 4 else (h,)
        for t in range(self.lags):
            state = self.cell(p, z[:, t : t + 1].expand(*batch[:-1], 1), state)
        head = _apply(p["head.weight"], state[0])[..., 0] + p["head.bias"][..., 0]  # (..., N)
        return last * (1 + head)

    def to_torch(self, weights: Tensor) -> tuple[nn.RNNBase, nn.Linear]:
        """The equivalent ``torch.nn`` recurrent layer and head for one weight vector (k,)."""
        rnn: nn.RNNBase = (nn.LSTM if self.gates == 4 else nn.GRU)(
            1, self.hidden, batch_first=True, dtype=DTYPE
        )
        head = nn.Linear(self.hidden, 1, dtype=DTYPE)
        p = self.unpack(weights)
        with torch.no_grad():
            for name, value in p.items():
                module, attr = (head, name[5:]) if name.startswith("head.") else (rnn, name)
                getattr(module, attr).copy_(value)
        return rnn, head

    def weight_names(self) -> list[str]:
        """torch's parameter names with a flat index, ``weight_ih_l0[0]`` ... ``head.bias[0]``."""
        names = []
        for name, shape in self.shapes.items():
            names += [f"{name}[{i}]" for i in range(math.prod(shape))]
        return names

    def extra_repr(self) -> str:
        """``lags``, ``hidden``, series and weights counts."""
        return f"lags={self.lags}, hidden={self.hidden}, " + super().extra_repr()


class LSTM(Recurrent):
    """``y = x[t] * (1 + head(LSTM(window / x[t] - 1)))``: torch's LSTM cell, gates i, f, g, o.

    Args: as ``Recurrent`` (``lags=10``, ``hidden=16``, ``seed=0``, ``n_series=1``).

    Source: Hochreiter & Schmidhuber (1997), "Long short-term memory", in ``torch.nn.LSTM``'s
    form.
    """

    name = "lstm"
    gates = 4

    def cell(
        self, p: dict[str, Tensor], x: Tensor, state: tuple[Tensor, ...]
    ) -> tuple[Tensor, ...]:
        """``c = f c + i g``, ``h = o tanh(c)``: (h, c) (..., N, H) each -> the next (h, c)."""
        h, c = state  # (..., N, H) each
        g = (
            _apply(p["weight_ih_l0"], x)
            + p["bias_ih_l0"]
            + _apply(p["weight_hh_l0"], h)
            + p["bias_hh_l0"]
        )  # (..., N, 4H)
        i, f, cand, o = g.chunk(4, -1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(cand)
        return torch.sigmoid(o) * torch.tanh(c), c


class GRU(Recurrent):
    """``y = x[t] * (1 + head(GRU(window / x[t] - 1)))``: torch's GRU cell, gates r, z, n.

    Args: as ``Recurrent`` (``lags=10``, ``hidden=16``, ``seed=0``, ``n_series=1``).

    Source: Cho et al. (2014), "Learning phrase representations using RNN encoder-decoder",
    in ``torch.nn.GRU``'s form.
    """

    name = "gru"
    gates = 3

    def cell(
        self, p: dict[str, Tensor], x: Tensor, state: tuple[Tensor, ...]
    ) -> tuple[Tensor, ...]:
        """``h = (1 - z) n + z h``: (h,) (..., N, H) -> the next (h,)."""
        (h,) = state  # (..., N, H)
        gi = _apply(p["weight_ih_l0"], x) + p["bias_ih_l0"]  # (..., N, 3H)
        gh = _apply(p["weight_hh_l0"], h) + p["bias_hh_l0"]
        ir, iz, in_ = gi.chunk(3, -1)
        hr, hz, hn = gh.chunk(3, -1)
        r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
        n = torch.tanh(in_ + r * hn)
        return ((1 - z) * n + z * h,)
