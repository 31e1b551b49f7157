"""Windows: one-step-ahead (past prices, next price) pairs from many series at once.

Series are concatenated with offsets (the layout of a long ``unique_id, ds, y`` frame):
``values[offsets[s]:offsets[s + 1]]`` is series ``s``. A model that reads ``window`` prices gets,
for every origin ``t`` of every series, ``x = values[t - window + 1 : t + 1]`` and the target
``y = values[t + 1]``. Nothing here loops over series.

>>> w = Windows.from_pairs([420.0], [425.0])  # the tutorial: one series, one pair
>>> w.x, w.y, w.n_series
(tensor([[420.]], dtype=torch.float64), tensor([425.], dtype=torch.float64), 1)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import Tensor

from weightfit.errors import ConfigError

DTYPE = torch.float64


def _check_prices(name: str, values: Tensor) -> None:
    """Refuse a non-finite or non-positive price, naming the first one and its position."""
    bad = ~torch.isfinite(values) | (values <= 0)
    if bool(bad.any()):
        i = int(bad.nonzero()[0, 0])
        raise ConfigError(
            f"Invalid {name}: {float(values.reshape(-1)[i])!r} at position {i} "
            "(prices must be finite and positive)"
        )


class Windows:
    """Pairs of (the last ``window`` prices, the next price), for ``n_series`` series.

    Build it with ``from_pairs`` or ``from_values``; ``len(windows)`` is N, the rows.

    Attributes:
        x: (N, W) past prices, oldest first; ``x[:, -1]`` is the price at the origin.
        y: (N,) the price one step after the origin.
        series: (N,) int64, which series each row belongs to, in [0, n_series).
        n_series: S.
        origin: (N,) int64, the origin's index within its series (``from_values`` sets it;
            default ``None``).

    Windows of equal-length series built by ``from_values`` are lazy: ``panel`` holds the
    (S, T) block of prices (a view of the values) and ``x``, ``y``, ``series``, ``origin`` are
    built only when first read, so an objective that needs only the block's moments (a linear
    model under MSE) never materialises the N x W windows.
    """

    def __init__(
        self, x: Tensor, y: Tensor, series: Tensor, n_series: int, origin: Tensor | None = None
    ) -> None:
        self._parts: tuple[Tensor, Tensor, Tensor, Tensor | None] | None = (x, y, series, origin)
        self.n_series = n_series
        self.panel: np.ndarray | None = None  # (S, T) prices, when the windows are a full panel
        self._window, self._rows = int(x.shape[1]) if x.ndim == 2 else 1, int(y.shape[0])
        self._build: Any = None

    @classmethod
    def _lazy(cls, block: np.ndarray, window: int, build: Any) -> Windows:
        out = cls.__new__(cls)
        n_series, length = block.shape
        out._parts, out._build, out.panel = None, build, block
        out.n_series, out._window = n_series, window
        out._rows = n_series * max(length - window, 0)
        return out

    def _get(self) -> tuple[Tensor, Tensor, Tensor, Tensor | None]:
        if self._parts is None:
            self._parts = self._build()
        return self._parts

    @property
    def x(self) -> Tensor:
        """(N, W) past prices, oldest first; built on first read for a lazy panel."""
        return self._get()[0]

    @property
    def y(self) -> Tensor:
        """(N,) the price one step after each origin."""
        return self._get()[1]

    @property
    def series(self) -> Tensor:
        """(N,) int64, which series each row belongs to."""
        return self._get()[2]

    @property
    def origin(self) -> Tensor | None:
        """(N,) int64, each origin's index within its series, or None."""
        return self._get()[3]

    def __len__(self) -> int:
        """N, the number of (window, next price) rows."""
        return self._rows

    def __repr__(self) -> str:
        return f"Windows({len(self)} rows, window {self.window}, {self.n_series} series)"

    @property
    def window(self) -> int:
        """W, the past prices each row holds."""
        return self._window

    @classmethod
    def from_pairs(cls, x: Any, y: Any, series: Any = None) -> Windows:
        """Windows from explicit prices: ``x`` of shape (N,) or (N, W), ``y`` of shape (N,).

        Args:
            x: (N,) one past price a row, or (N, W) oldest first; finite and positive.
            y: (N,) the next prices; finite and positive.
            series: (N,) which series each row is, 0-based (default ``None``: all series 0).

        Raises ``ConfigError`` for a price that is not finite and positive.
        """
        xt = torch.as_tensor(x, dtype=DTYPE).reshape(len(np.atleast_1d(y)), -1)
        yt = torch.as_tensor(y, dtype=DTYPE).reshape(-1)
        _check_prices("price", xt)
        _check_prices("target", yt)
        if series is None:
            st = torch.zeros(len(yt), dtype=torch.int64)
        else:
            st = torch.as_tensor(series, dtype=torch.int64)
        n = int(st.max()) + 1 if len(st) else 0
        return cls(xt, yt, st, n)

    @classmethod
    def from_values(
        cls,
        values: Any,  # (T,) all series concatenated
        offsets: Any,  # (S + 1,) series s is values[offsets[s]:offsets[s + 1]]
        window: int = 1,
        stop: Any = None,  # (S,) per series, targets must have index < stop (exclusive)
        start: Any = None,  # (S,) per series, targets must have index >= start
        keep: Any = None,  # (T,) bool per value: a pair is kept only where its target's is True
    ) -> Windows:
        """Every (window, next price) pair of every series, built with index arithmetic.

        Args:
            values: (T,) every series' prices, concatenated.
            offsets: (S + 1,) series s is ``values[offsets[s]:offsets[s + 1]]``.
            window: W, the past prices a row holds (default 1); >= 1.
            stop: (S,) per series, only targets with local index < stop (default ``None``: all).
            start: (S,) per series, only targets with local index >= start (default ``None``).
            keep: (T,) bool, one per value; a pair whose target's entry is False is left out
                (a step across a night or a split; default ``None``: every pair).

        A series of length n gives ``n - window`` rows (fewer with ``start``/``stop``), in time
        order, series after series.

        >>> w = Windows.from_values([1.0, 2.0, 3.0, 10.0, 20.0], [0, 3, 5], window=1)
        >>> w.x[:, 0].tolist(), w.y.tolist(), w.series.tolist()
        ([1.0, 2.0, 10.0], [2.0, 3.0, 20.0], [0, 0, 1])
        """
        if window < 1:
            raise ConfigError(f"Invalid window: {window} (must be >= 1)")
        v = torch.as_tensor(values, dtype=DTYPE)
        off = torch.as_tensor(offsets, dtype=torch.int64)
        n_series = len(off) - 1
        length = off[1:] - off[:-1]  # (S,)
        # targets are local indices in [first, last): first >= window, last <= length
        first = torch.full_like(length, window)
        if start is not None:
            first = torch.maximum(first, torch.as_tensor(start, dtype=torch.int64))
        last = length.clone()
        if stop is not None:
            last = torch.minimum(last, torch.as_tensor(stop, dtype=torch.int64))
        full = bool((length == length[0]).all()) if n_series else False
        whole = start is None and (stop is None or bool((last == length).all()))
        here = v.device.type == "cpu" and not v.requires_grad and int(off[-1]) <= len(v)
        if full and whole and here and keep is None:  # a panel: lazy windows over a (S, T) view
            block = v.numpy()[int(off[0]) : int(off[-1])].reshape(n_series, int(length[0]))
            return cls._lazy(block, window, lambda: cls._index(v, off, window, first, last))
        x, y, series, origin = cls._index(v, off, window, first, last)
        if keep is not None:
            rows = torch.as_tensor(keep, dtype=torch.bool)[off[series] + origin + 1]
            x, y, series, origin = x[rows], y[rows], series[rows], origin[rows]
        return cls(x, y, series, n_series, origin)

    @staticmethod
    def _index(
        v: Tensor, off: Tensor, window: int, first: Tensor, last: Tensor
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """x, y, series and origin of every pair, by index arithmetic."""
        n_series = len(off) - 1
        count = (last - first).clamp(min=0)  # (S,)
        series = torch.repeat_interleave(torch.arange(n_series), count)  # (N,)
        starts = torch.cumsum(count, 0) - count  # (S,) first row of each series
        target = first[series] + torch.arange(len(series)) - starts[series]  # (N,) local
        at = off[series] + target  # (N,) global index of each target
        lag = torch.arange(-window, 0)  # (W,)
        x = v[at[:, None] + lag]  # (N, W)
        return x, v[at], series, target - 1


def prod(shape: tuple[int, ...]) -> int:
    """How many candidates a weights tensor of shape (..., S, k) holds."""
    return math.prod(shape[:-2])
