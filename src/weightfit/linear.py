"""Least squares for linear models, batched over series: the one solver of the package.

The objective's closed form (``statistics``), the ``LeastSquares`` strategy (through the
objective) and evaluation's batched fits (``fit_many``, ``fit_panel``, ``scale_fit``) all end in
``solve``: minimum-norm least squares from each series' normal equations.

For a linear model, ``prediction = offset + F w``; under MSE the weights of series s fitted on
the rows whose targets lie before ``stop`` are ``w = pinv(F'F) F'd`` with ``d = y - offset``.
Series are taken in chunks of similar length, padded into a (series, rows, k) block, so ``F'F``
is one batched matrix product per chunk (no per-row outer products, bounded memory). Several
cutoffs cost one pass: the statistics up to the earliest cutoff of each series, plus running
sums over the few rows between the cutoffs.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
import torch
from numpy.lib.stride_tricks import as_strided
from torch import Tensor

from weightfit.models.base import LinearModel
from weightfit.models.windows import DTYPE, Windows

CHUNK = 1 << 22  # padded rows x weights per block: about 32 MB of float64


def solve(gram: Tensor, moment: Tensor) -> Tensor:  # (..., k, k), (..., k) -> (..., k)
    """Least-squares weights from the normal equations ``G w = F'd``, one system per series;
    where ``G`` is singular, the minimum-norm solution (``pinv``), as numpy's ``lstsq`` gives.

    Args:
        gram: (..., k, k) ``G = F'F`` per system.
        moment: (..., k) ``F'd`` per system.

    Returns (..., k).

    >>> solve(torch.tensor([[[4.0]], [[0.0]]]), torch.tensor([[2.0], [0.0]])).tolist()
    [[0.5], [0.0]]
    """
    if gram.shape[-1] == 1:  # one weight: a division (a batched 1 x 1 solve costs far more)
        g, c = gram[..., 0], moment
        return torch.where(g != 0, c / torch.where(g != 0, g, 1.0), 0.0)  # pinv(0) = 0
    solution, info = torch.linalg.solve_ex(gram, moment[..., None])
    weights = solution[..., 0]
    bad = info != 0
    if bool(bad.any()):
        weights[bad] = (torch.linalg.pinv(gram[bad], hermitian=True) @ moment[bad, :, None])[..., 0]
    return weights


class Statistics(NamedTuple):
    """Sufficient statistics of a linear model under MSE, per series."""

    gram: Tensor  # (S, k, k) F'F
    optimum: Tensor  # (S, k) least-squares weights (minimum norm where G is singular)
    residual: Tensor  # (S,) residual sum of squares at the optimum
    rows: Tensor  # (S,) rows per series


def statistics(model: LinearModel, data: Windows) -> Statistics:
    """One pass for ``F'F`` and ``F'd``, a batched solve, one pass for the residual.

    Args:
        model: a linear model (its ``design`` gives F (N, k) and the offset (N,)).
        data: the N rows of S series.
    """
    features, offset = model.design(data)  # (N, k), (N,)
    d = data.y - offset  # (N,)
    n, k, s = len(d), features.shape[1], data.n_series
    outer = (features[:, :, None] * features[:, None, :]).reshape(n, k * k)
    gram = torch.zeros(s, k * k, dtype=d.dtype).index_add_(0, data.series, outer).reshape(s, k, k)
    moment = torch.zeros(s, k, dtype=d.dtype).index_add_(0, data.series, features * d[:, None])
    optimum = solve(gram, moment)  # (S, k)
    fitted = (features * optimum[data.series]).sum(-1)
    residual = torch.zeros(s, dtype=d.dtype).index_add_(0, data.series, (d - fitted) ** 2)
    count = torch.bincount(data.series, minlength=s).to(d.dtype)
    return Statistics(gram, optimum, residual, count)


def panel_statistics(model: LinearModel, block: np.ndarray) -> Statistics:
    """``statistics`` for every pair of a panel (S, T) of equal-length series, without the
    windows: ``X'X``, ``X'y`` from ``_lag_moments`` (one ``vecdot`` per pair of lags, on views)
    and ``d'd`` of the naive errors ``d = y - x_last``, a few series at a time while they are in
    cache: the block is read from memory once.

    The residual at the optimum is taken around the naive forecast: with ``c = A w* + b`` the
    prediction's coefficients on ``X = [window, 1]`` and ``delta = c - c_naive``,
    ``r = d'd - 2 delta'X'd + delta'X'X delta``. Every term is of the size of the price moves,
    not of the prices, so nothing cancels catastrophically (``y'y - c'X'y`` would).
    """
    p = model.window
    s, m = block.shape[0], block.shape[1] - p  # series, pairs per series
    block = np.ascontiguousarray(block, dtype=np.float64)
    xx, xy, dd = np.empty((s, p + 1, p + 1)), np.empty((s, p + 1)), np.empty(s)
    step = _rows(block)
    d = np.empty((step, m))  # reused: no page faults per chunk
    a, b = model.linear_map()
    constant = bool(a[p].any() or b[p] != 0)  # does the prediction use X's constant column?
    for i in range(0, s, step):
        v = block[i : i + step]
        xx[i : i + step], xy[i : i + step] = _lag_moments(v, p, p + m, len(v), constant)
        e = d[: len(v)]
        np.subtract(v[:, p:], v[:, p - 1 : p - 1 + m], out=e)  # the naive errors, in cache
        dd[i : i + step] = np.vecdot(e, e)
    r, q = torch.from_numpy(xx), torch.from_numpy(xy)
    gram = a.T @ r @ a  # (S, k, k)
    optimum = solve(gram, (q - r @ b) @ a)
    delta = optimum @ a.T + b  # (S, p + 1) the prediction's coefficients on X ...
    delta[:, p - 1] -= 1.0  # ... less the naive forecast's
    xd = q - r[:, :, p - 1]  # (S, p + 1) X'd
    quad = (delta[:, None, :] @ r @ delta[:, :, None])[:, 0, 0]
    residual = (torch.from_numpy(dd) - 2 * (delta * xd).sum(1) + quad).clamp(min=0.0)
    count = torch.full((s,), float(m), dtype=DTYPE)
    return Statistics(gram, optimum, residual, count)


def fit_many(
    model: LinearModel,
    values: np.ndarray,  # (T,) all series concatenated
    offsets: np.ndarray,  # (S + 1,)
    stops: np.ndarray,  # (G, S) per fit, per series: targets must have local index < stop
    device: str | torch.device = "cpu",
    keep: np.ndarray | None = None,  # (T,) bool: pairs whose target is False are left out
) -> Tensor:  # (G, S, k) least-squares weights
    """Least-squares weights of ``model`` for every series and every stop, batched.

    Args:
        model: a linear model.
        values: (T,) every series' prices, concatenated.
        offsets: (S + 1,) series s is ``values[offsets[s]:offsets[s + 1]]``.
        stops: (G, S) for fit g and series s, use the targets with local index < stops[g, s].
        device: where the padded blocks are multiplied (default ``"cpu"``).
        keep: (T,) bool per value; a pair whose target's entry is False is not fitted on
            (a step across a gap; default ``None``: every pair).

    Returns (G, S, k).
    """
    stops = np.asarray(stops, dtype=np.int64)
    n_fits, n_series = stops.shape
    k, p = model.n_weights, model.window
    out = torch.zeros(n_fits, n_series, k, dtype=DTYPE, device=device)
    if k == 0:
        return out
    length = np.diff(offsets)
    runs = np.flatnonzero(np.r_[True, length[1:] != length[:-1]])
    bounds = np.r_[runs, n_series]
    same_stop = all(
        (stops[:, a:b] == stops[:, a : a + 1]).all() for a, b in itertools.pairwise(bounds)
    )
    fast = same_stop and len(runs) <= max(1, n_series // 8) and str(device) == "cpu"
    if fast and keep is None:
        # runs of equal-length series cut at the same place: (series, time) views, no padding
        for a, b in itertools.pairwise(bounds):
            block = values[offsets[a] : offsets[b]].reshape(b - a, int(length[a]))
            for g in range(n_fits):
                out[g, a:b] = fit_panel(model, block, int(stops[g, a]))
        return out
    first = np.min(stops, axis=0)  # (S,) the earliest stop: the shared base
    last = np.max(stops, axis=0)
    rows = np.maximum(last - p, 0)  # pairs per series up to the latest stop
    order = np.argsort(rows, kind="stable")  # similar lengths share a padded block
    start = 0
    while start < n_series:
        width = max(1, int(rows[order[start]]) * k)
        size = max(1, CHUNK // max(width, 1))
        take = order[start : start + size]
        while len(take) > 1 and int(rows[take[-1]]) * k * len(take) > CHUNK:
            take = take[: max(1, len(take) // 2)]
        out[:, take] = _fit_block(
            model, values, offsets, take, stops[:, take], first[take], length[take], device, keep
        )
        start += len(take)
    return out


def _fit_block(
    model: LinearModel,
    values: np.ndarray,
    offsets: np.ndarray,
    series: np.ndarray,  # (B,) which series
    stops: np.ndarray,  # (G, B)
    first: np.ndarray,  # (B,) earliest stop
    length: np.ndarray,  # (B,)
    device: str | torch.device,
    keep: np.ndarray | None = None,  # (T,) bool per value of ``values``
) -> Tensor:  # (G, B, k)
    """``fit_many`` for B series of similar length, padded into one (B, L, k) block."""
    p = model.window
    b = len(series)
    sub_offsets = np.r_[0, np.cumsum(length)]
    shift = np.repeat(offsets[series] - sub_offsets[:-1], length)  # (n,) per row
    block = values[shift + np.arange(sub_offsets[-1])]  # the block's series, concatenated
    top = int(stops.max())
    kept = None if keep is None else np.asarray(keep)[shift + np.arange(sub_offsets[-1])]
    data = Windows.from_values(block, sub_offsets, p, stop=np.full(b, top), keep=kept)
    features, offset = model.design(data)  # (N, k), (N,)
    d = data.y - offset
    assert data.origin is not None
    target = data.origin + 1  # (N,) local index of each row's target
    k = features.shape[1]
    # pad into (B, L, k): row j of series i is its j-th pair
    count = torch.bincount(data.series, minlength=b)
    width = int(count.max()) if len(count) else 0
    row = torch.arange(len(d)) - (torch.cumsum(count, 0) - count)[data.series]
    f_pad = torch.zeros(b, width, k, dtype=DTYPE)
    d_pad = torch.zeros(b, width, dtype=DTYPE)
    t_pad = torch.full((b, width), np.iinfo(np.int64).max, dtype=torch.int64)
    f_pad[data.series, row] = features
    d_pad[data.series, row] = d
    t_pad[data.series, row] = target
    f_pad, d_pad, t_pad = f_pad.to(device), d_pad.to(device), t_pad.to(device)
    base = t_pad < torch.as_tensor(first, device=device)[:, None]  # (B, L) rows before all stops
    fb = f_pad * base[..., None]
    gram = fb.transpose(1, 2) @ f_pad  # (B, k, k): one batched product
    moment = (fb * d_pad[..., None]).sum(1)  # (B, k)
    out = []
    for g in range(stops.shape[0]):
        extra = (~base) & (t_pad < torch.as_tensor(stops[g], device=device)[:, None])
        if bool(extra.any()):  # the few rows between the earliest stop and this one
            fe = f_pad * extra[..., None]
            g_gram = gram + fe.transpose(1, 2) @ f_pad
            g_moment = moment + (fe * d_pad[..., None]).sum(1)
        else:
            g_gram, g_moment = gram, moment
        out.append(solve(g_gram, g_moment))
    return torch.stack(out)


def scale_fit(values: np.ndarray, offsets: np.ndarray, threads: int | None = None) -> np.ndarray:
    """The tutorial's ``Scale`` fitted to every series: ``sum x_t x_{t+1} / sum x_t^2``.

    Runs of equal-length series are read as (series, time) views; one ``np.vecdot`` of each
    series' past against a (series, 2, time) view of ``[past, next]`` gives both sums while the
    series is in cache, so each value is read from memory once. Above ``THREADED_VALUES`` values
    the series are split into ``threads`` contiguous shares, one thread each (numpy releases the
    GIL in ``vecdot``); each series' sums are the same ``vecdot`` on the same view, so the
    weights are the same bit for bit with any number of threads. Other layouts go through
    ``fit_many`` (torch's own threads).

    Args:
        values: (T,) every series' prices, concatenated.
        offsets: (S + 1,) series s is ``values[offsets[s]:offsets[s + 1]]``.
        threads: threads to split the series across (default ``torch.get_num_threads()``,
            which follows ``torch.set_num_threads`` and ``OMP_NUM_THREADS``).

    Returns (S,) float64, one weight per series.

    >>> scale_fit(np.array([420.0, 425.0]), np.array([0, 2])).round(6).tolist()
    [1.011905]
    """
    length = np.diff(offsets)
    runs = np.flatnonzero(np.r_[True, length[1:] != length[:-1]])
    if len(runs) > max(1, len(length) // 8):  # ragged: no long runs of equal length
        from weightfit.models.linear import Scale

        full = np.diff(offsets)[None, :]
        return fit_many(Scale(), values, offsets, full)[0, :, 0].numpy()
    values = np.ascontiguousarray(values, dtype=np.float64)
    out = np.empty(len(length))
    n_threads = max(1, min(threads or torch.get_num_threads(), len(length)))
    if n_threads == 1 or values.size < THREADED_VALUES:
        _scale_series(values, offsets, runs, 0, len(length), out)
        return out
    # contiguous shares of about the same number of values, one per thread
    cut = np.searchsorted(offsets, values.size * np.arange(n_threads + 1) / n_threads)
    cut[-1] = len(length)
    with ThreadPoolExecutor(n_threads) as pool:
        done = [
            pool.submit(_scale_series, values, offsets, runs, int(a), int(b), out)
            for a, b in itertools.pairwise(cut)
        ]
        for future in done:
            future.result()  # re-raises a thread's exception
    return out


# below about 64 MB of prices (twice the 32 MB L3 cache of the 2-core machine measured) one
# thread reads them from cache faster than two threads start: two threads took 1.4x the time of
# one at 4M values, 1.1x at 8M, 0.6x at 10M and 50M (warm, best of 7)
THREADED_VALUES = 1 << 23


def _scale_series(
    values: np.ndarray,
    offsets: np.ndarray,
    runs: np.ndarray,  # (R,) first series of each run of equal length
    first: int,
    stop: int,
    out: np.ndarray,  # (S,) written at [first:stop]
) -> None:
    """``scale_fit``'s weights of the series ``first:stop`` (runs of equal length)."""
    bounds = np.r_[runs, len(offsets) - 1]
    for a, b in itertools.pairwise(bounds.clip(first, stop)):
        if a == b:
            continue
        n = int(offsets[a + 1] - offsets[a])
        x = values[offsets[a] : offsets[b]].reshape(b - a, n)  # (B, n) a view, no copy
        step = x.strides[1]
        shape = (b - a, 2, max(n - 1, 0))
        pair = as_strided(x, shape, (x.strides[0], step, step), writeable=False)
        sums = np.vecdot(x[:, None, :-1], pair)  # (B, 2): [past'past, past'next]
        out[a:b] = sums[:, 1] / sums[:, 0]


CACHE_BYTES = 1 << 20  # rows of a block reduced together: about 1 MB, so they stay in cache


def _rows(block: np.ndarray) -> int:
    return max(1, CACHE_BYTES // max(block.shape[1] * 8, 1))


def _lag_moments(
    block: np.ndarray, w: int, stop: int, rows: int | None = None, constant: bool = True
) -> tuple:
    """For a (series, time) block: ``X'X`` and ``X'y`` per series, where the rows of X are
    ``[x[t-w+1], ..., x[t], 1]`` and y is ``x[t+1]``, over the targets ``w <= t + 1 < stop``.
    Each entry is one ``np.vecdot`` of two shifted views: no copy of the windows is made."""
    n = block.shape[0]
    xx = np.empty((n, w + 1, w + 1))
    xy = np.empty((n, w + 1))
    m = stop - w  # pairs per series
    rows = rows or _rows(block)
    for a in range(0, n, rows):
        x = block[a : a + rows]
        lag = [x[:, i : i + m] for i in range(w)]  # column i of X: x[t - w + 1 + i]
        target = x[:, w : w + m]
        for i in range(w):
            for j in range(i, w):
                xx[a : a + rows, i, j] = xx[a : a + rows, j, i] = np.vecdot(lag[i], lag[j])
            # the constant column's sums; zero where the model has no use for it
            xx[a : a + rows, i, w] = xx[a : a + rows, w, i] = lag[i].sum(1) if constant else 0.0
            xy[a : a + rows, i] = np.vecdot(lag[i], target)
        xx[a : a + rows, w, w] = m
        xy[a : a + rows, w] = target.sum(1) if constant else 0.0
    return xx, xy


def fit_panel(model: LinearModel, block: np.ndarray, stop: int) -> Tensor:
    """Least-squares weights (S, k) for a (series, time) block of equal-length series, all
    fitted on the targets before ``stop``, from the moments of the window (``linear_map``).

    Args:
        model: a linear model.
        block: (S, T) the series as rows.
        stop: use the targets with index < stop, the same for every series.
    """
    a, b = model.linear_map()
    xx, xy = _lag_moments(np.ascontiguousarray(block), model.window, stop)
    r, q = torch.from_numpy(xx), torch.from_numpy(xy)
    gram = a.T @ r @ a  # (S, k, k) = F'F with F = X A
    moment = (q - (r @ b)) @ a  # (S, k) = F'd with d = y - X b
    return solve(gram, moment)
