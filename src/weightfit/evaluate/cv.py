"""Rolling-origin cross-validation and the chronological hold-out, for all series at once.

The output is laid out as statsforecast's ``cross_validation``: ``unique_id, ds, cutoff, y`` and
one column per model, so ``utilsforecast.evaluate`` works on it too. Every forecast sees only
the series up to its cutoff: baselines read the history through index arithmetic that stops at
the cutoff, and weight models are fitted on (window, next price) pairs whose targets are at or
before it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

from weightfit.data.panel import Panel
from weightfit.errors import ConfigError, DataError
from weightfit.linear import fit_many
from weightfit.models.base import LinearModel, Model
from weightfit.models.baselines import Baseline
from weightfit.models.registry import get_baseline, get_model, is_baseline
from weightfit.models.windows import DTYPE, Windows
from weightfit.objective import Objective
from weightfit.search import LeastSquares, get_strategy, minimize


class Fitted:
    """A weight model and the search that finds its weights, used as a forecaster."""

    def __init__(
        self,
        model: Model | str,
        search: Any = "lstsq",
        loss: str = "mse",
        max_evaluations: int | None = 20_000,
        pooled: bool = False,
    ) -> None:
        """``pooled``: one set of weights for every series, fitted on all their pairs together
        (a global model, as networks are usually trained on many series); default per series."""
        self.model = get_model(model)
        self.search, self.loss, self.max_evaluations = search, loss, max_evaluations
        self.pooled = pooled
        self.name = _model_name(self.model) + (", global" if pooled else "")
        self.needs = self.model.window + self.model.min_pairs
        # a linear model under MSE searched by lstsq: the batched engine fits it per series
        self.closed_form = (
            not pooled
            and isinstance(self.model, LinearModel)
            and str(loss) == "mse"
            and (search == "lstsq" or isinstance(search, LeastSquares))
        )

    def fit(self, panel: Panel, stop: np.ndarray, keep: np.ndarray | None = None) -> torch.Tensor:
        """Weights (S, k) from the pairs whose targets lie before ``stop`` (local, per series),
        found by ``minimize`` with this forecaster's search."""
        data = Windows.from_values(
            panel.values, panel.offsets, self.model.window, stop=stop, keep=keep
        )
        if self.pooled:  # every pair as one series': one row of weights, shared by all
            data = Windows(data.x, data.y, torch.zeros_like(data.series), 1, data.origin)
        objective = Objective(self.model, data, self.loss)
        start = self.model.initial_weights(data.n_series)
        strategy = get_strategy(self.search)
        fit = minimize(
            objective, start, strategy, max_evaluations=self.max_evaluations, history=False
        )
        return fit.weights.expand(panel.n_series, -1) if self.pooled else fit.weights

    def forecast(
        self, panel: Panel, series: np.ndarray, cutoff: np.ndarray, h: int, weights: torch.Tensor
    ) -> np.ndarray:
        """(W, h): recursive, each step's prediction joins the window for the next."""
        p = self.model.window
        end = panel.offsets[series] + cutoff  # (W,) global index of the last value seen
        x = torch.as_tensor(panel.values[end[:, None] + np.arange(-p + 1, 1)[None, :]], dtype=DTYPE)
        idx = torch.as_tensor(series, dtype=torch.int64)
        out = []
        with torch.no_grad():
            for _ in range(h):
                data = Windows(x, x[:, -1], idx, panel.n_series)
                y = self.model.predict(data, weights)  # (W,)
                out.append(y)
                x = torch.cat([x[:, 1:], y[:, None]], 1)
        return torch.stack(out, 1).numpy()

    def __repr__(self) -> str:
        return self.name


def _model_name(model: Model) -> str:
    cls = type(model).__name__
    lags = getattr(model, "lags", None)
    return f"{cls}({lags})" if lags is not None else cls  # MLP(5), AutoRegressive(5)


def get_forecaster(
    spec: Any, search: Any = "lstsq", max_evaluations: int | None = 20_000, pooled: bool = False
) -> Baseline | Fitted:
    """A baseline (``"naive"``, ``"seasonal_naive:5"``, ...) or a weight model (``"scale"``),
    per series or, with ``pooled``, one set of weights for all series."""
    if isinstance(spec, Baseline | Fitted):
        return spec
    if is_baseline(spec):
        return get_baseline(spec)
    return Fitted(spec, search, max_evaluations=max_evaluations, pooled=pooled)


@dataclass(frozen=True)
class Cutoffs:
    """Which forecasts to make: window w forecasts series[w] from local index cutoff[w]."""

    series: np.ndarray  # (W,)
    cutoff: np.ndarray  # (W,)
    group: np.ndarray  # (W,) which fit serves the window
    stops: np.ndarray  # (G, S) per fit, per series, the end (exclusive) of its training targets

    def first(self, n_series: int) -> np.ndarray:  # (S,) each series' earliest cutoff
        out = np.full(n_series, np.iinfo(np.int64).max)
        np.minimum.at(out, self.series, self.cutoff)
        return out


def rolling_cutoffs(panel: Panel, h: int, n_windows: int, step_size: int, refit: bool) -> Cutoffs:
    """statsforecast's cutoffs: the last window's forecasts end at each series' last value."""
    s = np.repeat(np.arange(panel.n_series), n_windows)
    rank = np.tile(np.arange(n_windows), panel.n_series)
    cutoff = panel.lengths[s] - h - (n_windows - 1 - rank) * step_size - 1
    by_rank = cutoff.reshape(panel.n_series, n_windows).T + 1  # (n_windows, S)
    if refit:
        return Cutoffs(s, cutoff, rank, by_rank)
    return Cutoffs(s, cutoff, np.zeros_like(rank), by_rank[:1])


def holdout_cutoffs(panel: Panel, test: float | str | pd.Timestamp) -> Cutoffs:
    """One-step forecasts over each series' test part: its last fraction, or from a date."""
    n = panel.lengths
    if isinstance(test, str):
        with contextlib.suppress(ValueError):
            test = float(test)  # "0.2" from the command line; otherwise a date
    if isinstance(test, float | int) and not isinstance(test, bool):
        if not 0 < float(test) < 1:
            raise ConfigError(f"Invalid test: {test!r} (a fraction between 0 and 1, or a date)")
        n_test = np.maximum(1, np.round(float(test) * n).astype(np.int64))
    else:
        try:
            when = pd.Timestamp(test)
        except ValueError:
            raise ConfigError(
                f"Invalid test: {test!r} (a fraction between 0 and 1, or a date)"
            ) from None
        later = (panel.ds >= np.datetime64(when)).astype(np.int64)  # a tail of each series
        n_test = np.add.reduceat(later, panel.offsets[:-1]) if len(later) else later
    empty = np.flatnonzero(n_test == 0)
    if len(empty):
        raise DataError(
            f"series {panel.ids[empty[0]]!r} has no rows in the test part ({test!r}); "
            "pick an earlier date or a fraction"
        )
    n_train = n - n_test
    s = np.repeat(np.arange(panel.n_series), n_test)
    rank = np.arange(len(s)) - np.repeat(np.cumsum(n_test) - n_test, n_test)
    cutoff = n_train[s] - 1 + rank
    return Cutoffs(s, cutoff, np.zeros_like(s), n_train[None, :])


def run(
    panel: Panel,
    forecasters: Sequence[Baseline | Fitted],
    cutoffs: Cutoffs,
    h: int,
    callback: Callable[[str], None] | None = None,
    device: str = "cpu",
    keep: np.ndarray | None = None,
) -> tuple[pd.DataFrame, dict[str, torch.Tensor]]:
    """Every forecaster on every window: the frame, and each weight model's weights (S, k) of
    its last fit (the closed forms come from ``weightfit.linear``, the rest from ``minimize``).
    ``keep``: (T,) bool per value; the weights are fitted only on pairs whose target's entry is
    True (``fit`` leaves out the steps across gaps and excluded splits)."""
    _check_lengths(panel, forecasters, cutoffs)
    series, cutoff = cutoffs.series, cutoffs.cutoff
    start = panel.offsets[series] + cutoff  # (W,) global index of each cutoff
    target = start[:, None] + np.arange(1, h + 1)[None, :]  # (W, h)
    columns: dict[str, np.ndarray] = {}
    weights: dict[str, torch.Tensor] = {}
    for f in forecasters:
        if isinstance(f, Baseline):
            columns[f.name] = f.forecast(panel, series, cutoff, h)
        elif f.closed_form:  # every fit of every series in one batched pass
            assert isinstance(f.model, LinearModel)
            stacked = fit_many(  # (G, S, k)
                f.model, panel.values, panel.offsets, cutoffs.stops, device=device, keep=keep
            ).cpu()
            out = np.empty((len(series), h))
            for g in range(len(cutoffs.stops)):
                rows = np.flatnonzero(cutoffs.group == g)
                out[rows] = f.forecast(panel, series[rows], cutoff[rows], h, stacked[g])
            weights[f.name] = stacked[-1]
            columns[f.name] = out
        else:
            out = np.empty((len(series), h))
            for g in range(len(cutoffs.stops)):
                found = f.fit(panel, cutoffs.stops[g], keep)
                rows = np.flatnonzero(cutoffs.group == g)
                out[rows] = f.forecast(panel, series[rows], cutoff[rows], h, found)
                weights[f.name] = found
                if callback is not None:
                    callback(f"{f.name}: fit {g + 1} of {len(cutoffs.stops)}")
            columns[f.name] = out
        if callback is not None:
            callback(f.name)
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat(panel.ids[series], h),
            "ds": panel.ds[target.reshape(-1)],
            "cutoff": np.repeat(panel.ds[start], h),
            "y": panel.values[target.reshape(-1)],
            **{name: col.reshape(-1) for name, col in columns.items()},
        },
        copy=False,  # fresh arrays: no copy into one block
    )
    return frame, weights


def _check_lengths(panel: Panel, forecasters: Sequence[Any], cutoffs: Cutoffs) -> None:
    need = max(f.needs for f in forecasters)
    first = cutoffs.first(panel.n_series)
    short = np.flatnonzero(first + 1 < need)
    if len(short) or len(cutoffs.series) == 0:
        s = int(short[0]) if len(short) else 0
        raise DataError(
            f"series {panel.ids[s]!r} has {int(panel.lengths[s])} rows: too few for these "
            f"windows, whose first training part must hold at least {need} values; use fewer "
            "--cv windows, a smaller --test, or a model with fewer lags"
        )


def cross_validation(
    df: pd.DataFrame,
    models: Sequence[Any],
    h: int = 1,
    n_windows: int = 7,
    step_size: int = 1,
    refit: bool = True,
    search: Any = "lstsq",
) -> pd.DataFrame:
    """Rolling-origin cross-validation laid out as statsforecast's.

    >>> from weightfit.data import sample
    >>> cv = cross_validation(sample("msft"), ["naive", "scale"], n_windows=3)
    >>> list(cv.columns), len(cv)
    (['unique_id', 'ds', 'cutoff', 'y', 'Naive', 'Scale'], 3)
    """
    for name, value, low in (("h", h, 1), ("n_windows", n_windows, 1), ("step_size", step_size, 1)):
        if int(value) != value or value < low:
            raise ConfigError(f"Invalid {name}: {value!r} (must be an integer >= {low})")
    panel = Panel.from_frame(df)
    forecasters = [get_forecaster(m, search) for m in models]
    cutoffs = rolling_cutoffs(panel, h, n_windows, step_size, refit)
    frame, weights = run(panel, forecasters, cutoffs, h)
    frame.attrs["weightfit"] = {"weights": weights_table(panel, forecasters, weights)}
    return frame


def weights_table(
    panel: Panel, forecasters: Sequence[Any], weights: dict[str, torch.Tensor]
) -> dict[str, dict[str, dict[str, float]]]:
    """``{model: {series: {weight name: value}}}`` of each weight model's last fit (plain data)."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for f in forecasters:
        if isinstance(f, Fitted) and f.name in weights:
            names = f.model.weight_names()
            w = weights[f.name].tolist()
            out[f.name] = {
                str(uid): dict(zip(names, row, strict=True))
                for uid, row in zip(panel.ids, w, strict=True)
            }
    return out
