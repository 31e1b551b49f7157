"""Closed-form fits of linear models for many series and many cutoffs at once.

For a linear model, ``prediction = offset + F w``; under MSE the weights of series s fitted on
the rows whose targets lie before ``stop`` are ``w = pinv(F'F) F'd`` with ``d = y - offset``.
Series are taken in chunks of similar length, padded into a (series, rows, k) block, so ``F'F``
is one batched matrix product per chunk (no per-row outer products, bounded memory). Several
cutoffs cost one pass: the statistics up to the earliest cutoff of each series, plus running
sums over the few rows between the cutoffs.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from weightfit.models.base import LinearModel
from weightfit.models.windows import DTYPE, Windows

CHUNK = 1 << 22  # padded rows x weights per block: about 32 MB of float64


def fit_many(
    model: LinearModel,
    values: np.ndarray,  # (T,) all series concatenated
    offsets: np.ndarray,  # (S + 1,)
    stops: np.ndarray,  # (G, S) per fit, per series: targets must have local index < stop
    device: str | torch.device = "cpu",
) -> Tensor:  # (G, S, k) least-squares weights
    """Least-squares weights of ``model`` for every series and every stop, batched."""
    stops = np.asarray(stops, dtype=np.int64)
    n_fits, n_series = stops.shape
    k, p = model.n_weights, model.window
    out = torch.zeros(n_fits, n_series, k, dtype=DTYPE, device=device)
    if k == 0:
        return out
    length = np.diff(offsets)
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
            model, values, offsets, take, stops[:, take], first[take], length[take], device
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
) -> Tensor:  # (G, B, k)
    p = model.window
    b = len(series)
    sub_offsets = np.r_[0, np.cumsum(length)]
    block = (
        np.concatenate([values[offsets[s] : offsets[s + 1]] for s in series])
        if b > 1
        else (values[offsets[series[0]] : offsets[series[0] + 1]])
    )
    top = int(stops.max())
    data = Windows.from_values(block, sub_offsets, p, stop=np.full(b, top))
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
        out.append((torch.linalg.pinv(g_gram, hermitian=True) @ g_moment[..., None])[..., 0])
    return torch.stack(out)
