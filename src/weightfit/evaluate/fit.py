"""``weightfit.fit``: fit on the training part, forecast the test part, measure against every
baseline, test against naive and say what it means. The CLI only renders what this returns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from weightfit.data.panel import Panel, segment_sum
from weightfit.data.sessions import gap_mask
from weightfit.data.splits import excluded_rows
from weightfit.errors import ConfigError, DataError
from weightfit.evaluate import metrics as m
from weightfit.evaluate import verdict as v
from weightfit.evaluate.cv import (
    Cutoffs,
    Fitted,
    get_forecaster,
    holdout_cutoffs,
    rolling_cutoffs,
    run,
)
from weightfit.evaluate.cw import clark_west
from weightfit.evaluate.dm import diebold_mariano
from weightfit.evaluate.report import Report
from weightfit.evaluate.returns import returns_view
from weightfit.evaluate.summary import Summary, Tally
from weightfit.models.baselines import Baseline, Naive, default_baselines


def _check_training(panel: Panel, cutoffs: Any, forecasters: list[Any], test: Any) -> None:
    """A hold-out whose training part is too short: advice about --test (there is no --cv)."""
    need = max(f.needs for f in forecasters)
    train = cutoffs.first(panel.n_series) + 1  # (S,) values before the test part
    short = np.flatnonzero(train < need)
    if len(short):
        s = int(short[0])
        raise DataError(
            f"series {panel.ids[s]!r}: --test {test!r} leaves {int(train[s])} of its "
            f"{int(panel.lengths[s])} rows for training, and the models need at least {need}; "
            "pick a later date or a smaller fraction"
        )


LARGEST = 1e100  # |price| bounds: squares and their sums over 1e7 points stay finite and
SMALLEST = 1e-100  # nonzero in float64 (the MSE of 1e-300 prices underflows to 0)


def _check_range(panel: Panel) -> None:
    """Prices whose squares leave float64: a DataError with the fix (rescale), not NaN cells."""
    size = np.abs(panel.values)
    nonzero = size[size > 0]
    if len(size) and (size.max() > LARGEST or (len(nonzero) and nonzero.min() < SMALLEST)):
        i = (
            int(np.argmax(size))
            if size.max() > LARGEST
            else int(np.argmin(np.where(size > 0, size, np.inf)))
        )
        s = int(np.searchsorted(panel.offsets, i, side="right") - 1)
        raise DataError(
            f"series {panel.ids[s]!r}: a price of {panel.values[i]:.3g} is at the edge of the "
            f"floating-point range (squared errors overflow or vanish); rescale the prices to "
            f"between {SMALLEST:g} and {LARGEST:g} (e.g. multiply by a power of ten)"
        )


def _still(panel: Panel, cutoffs: Any, h: int) -> np.ndarray:
    """The series whose test part never moves: naive is exact there and nothing can beat it, so
    every relative measure would be 0/0. With other series beside them they are set aside
    (said in ``settings["set_aside"]``); alone, a ``DataError`` says so, with the fix."""
    start = panel.offsets[cutoffs.series] + cutoffs.cutoff  # (W,) the last value seen
    ahead = np.minimum(start[:, None] + np.arange(1, h + 1)[None, :], len(panel.values) - 1)
    moves = np.abs(panel.values[ahead] - panel.values[start][:, None]).max(axis=1)  # (W,)
    moved = np.zeros(panel.n_series, dtype=bool)
    np.logical_or.at(moved, cutoffs.series, moves > 0)
    still = np.flatnonzero(~moved)
    if 0 < len(still) < panel.n_series:
        return still
    if len(still):
        s = int(still[0])
        value = panel.values[panel.offsets[s + 1] - 1]
        raise DataError(
            f"series {panel.ids[s]!r} is constant over its test part (every price {value:g}): "
            "naive is exact there and nothing can beat it; drop the series, or test on a "
            "part where the price moves (--test)"
        )
    return still


def _scales(panel: Panel, first_cutoff: np.ndarray, m_: int) -> tuple[np.ndarray, np.ndarray]:
    """In-sample seasonal-naive MAE and MSE of each series' data up to its first cutoff."""
    v_ = panel.values
    start = panel.offsets[:-1] + m_
    stop = panel.offsets[:-1] + first_cutoff + 1
    if bool((stop <= start).any()):
        raise ConfigError(f"the training part is too short for seasonality {m_}")
    count = stop - start
    size = np.abs(v_[m_:] - v_[:-m_])  # size[t - m] = |y_t - y_{t-m}|: one array, reused
    mae = segment_sum(size, start - m_, stop - m_) / count
    np.multiply(size, size, out=size)  # the squares, in place
    mse = segment_sum(size, start - m_, stop - m_) / count
    return mae, mse


GAPS = ("separate", "exclude", "include")
IN_SESSION, GAP, SPLIT = 0, 1, 2  # what a forecast's path from its cutoff to its target crosses


def _across(
    gap_rows: np.ndarray | None, panel: Panel, cutoffs: Cutoffs, h: int, split_rows: np.ndarray
) -> np.ndarray:
    """(W,) per window: ``SPLIT`` when the path from its cutoff to its h-th target reaches the
    first row after an excluded split, else ``GAP`` when it crosses a gap (a night, a weekend,
    missing bars: ``gap_mask``; a one-day holiday on daily bars is not one, as a weekend is
    not), else ``IN_SESSION``. With ``gaps="include"`` gaps are not looked for."""
    start = panel.offsets[cutoffs.series] + cutoffs.cutoff  # (W,) global index of the cutoff
    path = start[:, None] + np.arange(1, h + 1)[None, :]  # (W, h) the rows it forecasts
    out = np.zeros(len(start), dtype=np.int8)
    if gap_rows is not None:
        out[gap_rows[path].any(axis=1)] = GAP
    out[split_rows[path].any(axis=1)] = SPLIT
    return out


def _set_apart(
    frame: pd.DataFrame, cutoffs: Cutoffs, across: np.ndarray, h: int, panel: Panel
) -> tuple[pd.DataFrame, Cutoffs, pd.DataFrame]:
    """The in-session forecasts and their cutoffs, and the ones set apart with an ``across``
    column ("gap" or "split"). A window of h forecasts is set apart whole (the tests use its
    h-step forecast, whose path crosses)."""
    keep = across == IN_SESSION  # (W,)
    rows = np.repeat(keep, h)  # (W * h,) each window's h forecasts are consecutive
    left = np.bincount(cutoffs.series[keep], minlength=panel.n_series)
    empty = np.flatnonzero(left == 0)
    if len(empty):
        raise DataError(
            f"series {panel.ids[empty[0]]!r}: every forecast crosses a gap or an excluded "
            "split, so none is left to score; use --gaps include (and --keep-splits)"
        )
    apart = frame.loc[~rows].reset_index(drop=True)
    apart["across"] = np.where(np.repeat(across[~keep], h) == SPLIT, "split", "gap")
    kept = Cutoffs(cutoffs.series[keep], cutoffs.cutoff[keep], cutoffs.group[keep], cutoffs.stops)
    return frame.loc[rows].reset_index(drop=True), kept, apart


def _nests(forecaster: Any) -> str | None:
    """Why a forecaster nests naive (its model's or its own ``nests_naive_why``), or None."""
    owner = forecaster.model if isinstance(forecaster, Fitted) else forecaster
    return str(owner.nests_naive_why) if getattr(owner, "nests_naive", False) else None


def _whole(name: str, value: Any, low: int, example: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ConfigError(f"Invalid --{name} {value!r}: must be an integer >= {low} ({example})")


def check_settings(
    *,
    test: float | str | None = 0.2,
    cv: int | None = None,
    h: int = 1,
    step_size: int = 1,
    metrics: Sequence[str] = m.DEFAULT,
    max_evaluations: int | None = 20_000,
    device: str = "cpu",
    seasonality: int = 1,
    gaps: str = "separate",
) -> list[str]:
    """Validate ``fit``'s settings before any work; returns the measure names.

    Each failure is a ``ConfigError`` naming the flag, the value and what is allowed.

    >>> check_settings(cv=-3)
    Traceback (most recent call last):
    ...
    weightfit.errors.ConfigError: Invalid --cv -3: must be an integer >= 1 (e.g. --cv 5)
    """
    if gaps not in GAPS:
        raise ConfigError(f"Invalid --gaps {gaps!r}: expected one of {', '.join(GAPS)}")
    _whole("h", h, 1, "the steps ahead, e.g. --h 1")
    if cv is not None:
        _whole("cv", cv, 1, "e.g. --cv 5")
    elif h != 1:
        raise ConfigError(f"--h {h}: the hold-out makes one-step forecasts; use --cv N for h > 1")
    _whole("step-size", step_size, 1, "e.g. 1")
    _whole("seasonality", seasonality, 1, "e.g. 1, or 5 for a trading week")
    if max_evaluations is not None:
        _whole("max-evaluations", max_evaluations, 1, "e.g. --max-evaluations 20000")
    if cv is None and test is not None:
        _check_test(test)
    names = [str(n) for n in metrics if str(n).strip()]
    if not names:
        raise ConfigError(
            f"Invalid --metrics {','.join(map(str, metrics))!r}: no measure named; expected one "
            f"or more of {', '.join(m.MEASURES)}, comma-separated"
        )
    metric_names = m.check_metrics(names)
    import torch

    try:
        kind = torch.device(device).type
    except (RuntimeError, TypeError):
        kind = None
    if kind not in ("cpu", "cuda", "mps"):
        raise ConfigError(f"Invalid --device {device!r}: expected cpu, cuda or cuda:N")
    return metric_names


def _check_test(test: float | str) -> None:
    value: Any = test
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            try:
                pd.Timestamp(value)
            except (ValueError, TypeError, OverflowError):
                raise ConfigError(
                    f"Invalid --test {test!r}: a fraction between 0 and 1 (0.2), or a date "
                    "(2020-01-01)"
                ) from None
            return
    if isinstance(value, bool) or not isinstance(value, float | int) or not 0 < value < 1:
        raise ConfigError(
            f"Invalid --test {test!r}: a fraction between 0 and 1 (0.2), or a date (2020-01-01)"
        )


def fit(
    df: pd.DataFrame,
    model: str | Any | Sequence[str | Any] = "scale",
    search: Any = "lstsq",
    *,
    test: float | str | None = 0.2,
    cv: int | None = None,
    h: int = 1,
    step_size: int = 1,
    metrics: Sequence[str] = m.DEFAULT,
    baselines: Sequence[Baseline] | None = None,
    seasonality: int = 1,
    max_evaluations: int | None = 20_000,
    device: str = "cpu",
    tests: bool = True,
    gaps: str = "separate",
    pooled: bool = False,
    callback: Callable[[str], None] | None = None,
    overall: bool = True,
) -> Report:
    """Does the model beat the naive baseline? Fit, forecast, measure, test and say.

    ``pooled``: each weight model gets one set of weights for all series, fitted on every
    series' pairs together (a global model; default: weights per series).

    ``overall=False`` leaves ``Report.overall`` empty: the report still holds the summary it
    is built from (``Report.summary``), for a partition of a bigger run (``fit_files``).

    ``test`` holds out each series' last fraction (or everything from a date) for one-step
    forecasts with the weights fitted once on the rest; ``cv`` runs that many rolling-origin
    windows instead, refitting at each cutoff, for ``h``-step forecasts. ``tests=False``
    skips the tests (and so the verdicts, which rest on them): measures only.

    ``gaps``: a forecast whose path from its cutoff to its target crosses a gap (a night, a
    weekend, missing bars; ``weightfit.data.gap_mask``; not a one-day holiday on daily bars)
    is not a next-bar forecast. ``"separate"`` (default): every measure, test and verdict is
    on the in-session forecasts, and the gap forecasts are counted and measured apart
    (``Report.gaps``, and ``Report.apart`` holds them); ``"exclude"``: left out, counted only;
    ``"include"``: scored with the rest. Forecasts across a split read with
    ``splits="exclude"`` are left out in every mode. Training pairs follow the same rule: the
    weights are fitted on the pairs whose step is one bar within a session (all of them with
    ``"include"``), never across an excluded split.

    Each model is tested against naive per series: Clark-West where it nests naive, with
    Diebold-Mariano beside it; the p-values get Benjamini-Hochberg q-values over series; all
    series together get a pooled test; the candidates together get Hansen's SPA test and the
    Model Confidence Set; every price forecast is also judged as a return forecast.

    >>> from weightfit.data import sample
    >>> report = fit(sample("msft"), "scale", test=0.2)
    >>> report.series[0]["verdict"]  # doctest: +ELLIPSIS
    'Drift beats naive (skill 0.001352, Clark-West p = 0.0049); no fitted model does: ...'
    """
    metric_names = check_settings(
        test=test,
        cv=cv,
        h=h,
        step_size=step_size,
        metrics=metrics,
        max_evaluations=max_evaluations,
        device=device,
        seasonality=seasonality,
        gaps=gaps,
    )
    panel = Panel.from_frame(df)
    _check_range(panel)
    specs = list(model) if isinstance(model, list | tuple) else [model]
    chosen = [get_forecaster(s, search, max_evaluations, pooled) for s in specs]
    fitted = [f for f in chosen if isinstance(f, Fitted)]
    base = list(baselines) if baselines is not None else default_baselines()
    named = {b.name for b in base}
    base += [b for b in chosen if isinstance(b, Baseline) and b.name not in named]  # naive, ...
    if not any(isinstance(b, Naive) for b in base):
        base.insert(0, Naive())
    forecasters: list[Baseline | Fitted] = [*base, *fitted]
    names = [f.name for f in forecasters]
    if len(set(names)) != len(names):
        raise ConfigError(f"two models share a name: {names}")
    if cv is not None:
        cutoffs = rolling_cutoffs(panel, h, int(cv), step_size, refit=True)
        protocol = {"protocol": "cross-validation", "windows": int(cv), "h": h}
    else:
        cutoffs = holdout_cutoffs(panel, 0.2 if test is None else test)
        protocol = {"protocol": "hold-out", "test": test, "h": 1}
        _check_training(panel, cutoffs, forecasters, test)
    split_rows, excluded = excluded_rows(df)  # (T,) the first row after each excluded split
    # (T,) the steps that are not one bar within a session; gaps="include" looks for none
    gap_rows = None
    if gaps != "include":
        gap_rows = gap_mask(df, holidays=False, starts=panel.offsets[:-1])
    across = _across(gap_rows, panel, cutoffs, h, split_rows)
    # training pairs follow the forecasts' rule: a step across a gap or a split is not fitted on
    breaks = split_rows.copy() if gap_rows is None else (gap_rows | split_rows)
    breaks[panel.offsets[:-1]] = False  # a series' first row is no step (and no pair's target)
    keep = ~breaks if bool(breaks.any()) else None  # None: every pair, the fastest fits
    still = _still(panel, cutoffs, h)
    if len(still):  # fit the others; say which were set aside and why
        aside = [str(panel.ids[i]) for i in still]
        kept = df[~df["unique_id"].astype(str).isin(aside)]
        kept.attrs = df.attrs
        report = fit(
            kept, model, search, test=test, cv=cv, h=h, step_size=step_size, metrics=metrics,
            baselines=baselines, seasonality=seasonality, max_evaluations=max_evaluations,
            device=device, tests=tests, gaps=gaps, pooled=pooled, callback=callback,
            overall=overall,
        )  # fmt: skip
        why = "constant over its test part: naive is exact there and nothing can beat it"
        report.settings["set_aside"] = [{"id": i, "reason": why} for i in aside]
        return report
    if device != "cpu":
        import torch

        if device.startswith("cuda") and not torch.cuda.is_available():
            raise ConfigError(f"--device {device}: no CUDA device on this machine; use cpu")
    frame, found = run(panel, forecasters, cutoffs, h, callback, device=device, keep=keep)
    first_cutoff = cutoffs.first(panel.n_series)  # the end of each training part
    apart = None
    if across.any():
        frame, cutoffs, apart = _set_apart(frame, cutoffs, across, h, panel)
    weights = {  # name -> (weight names, (S, k) array), turned into dicts only when asked
        f.name: (f.model.weight_names(), found[f.name].numpy())
        for f in forecasters
        if isinstance(f, Fitted) and f.name in found
    }

    # every forecast row: its series, the last value seen, the horizon
    series = np.repeat(cutoffs.series, h)
    last = np.repeat(panel.values[panel.offsets[cutoffs.series] + cutoffs.cutoff], h)
    horizon = np.tile(np.arange(1, h + 1), len(cutoffs.series))
    scale_mae, scale_mse = _scales(panel, first_cutoff, seasonality)
    y = frame["y"].to_numpy()
    ctx = m.Context(y, last, series, panel.n_series, scale_mae, scale_mse)
    naive_err = y - frame["Naive"].to_numpy()
    at_h = horizon == h  # the DM test uses the h-step errors, autocorrelated up to lag h - 1
    real_moves = ctx.mean((y - last) ** 2)  # (S,) the naive MSE: the size of the real moves

    rows = []
    nests = {f.name: _nests(f) for f in forecasters}  # name -> why it nests naive, or None
    for name in names:
        f = frame[name].to_numpy()
        row = {k: m.MEASURES[k](ctx, f) for k in metric_names}
        for k in ("skill", "mase", "rmsse"):  # the scale-free aggregates of ``overall``
            row[k] = m.MEASURES[k](ctx, f)
        nan = np.full(panel.n_series, np.nan)
        stat = p_dm = p_abs = cw = p_cw = nan
        if name != "Naive" and tests:
            e = y - f
            if not at_h.all():
                e, ne, codes = e[at_h], naive_err[at_h], series[at_h]
            else:
                ne, codes = naive_err, series
            stat, p_dm = diebold_mariano(e, ne, codes, h=h, power=2)
            _, p_abs = diebold_mariano(e, ne, codes, h=h, power=1)
            if nests[name] is not None:
                cw, p_cw = clark_west(e, ne, codes, h=h, n_series=panel.n_series)
        status, p, test_name = v.decide(row["skill"], p_dm, p_cw, nests[name] is not None)
        row.update(dm=stat, p_dm=p_dm, p_value_abs=p_abs, cw=cw, p_cw=p_cw, p_value=p)
        row.update(test=test_name, status=status)
        row["move_ratio"] = np.sqrt(ctx.mean((f - last) ** 2) / real_moves)
        row.update(returns_view(y, f, last, series, panel.n_series))
        rows.append(
            {"unique_id": panel.ids, "model": np.full(panel.n_series, name, dtype=object), **row}
        )
    # one frame from whole columns (model-major: all series of model 1, then model 2, ...)
    scores = pd.DataFrame(
        {c: np.concatenate([np.asarray(r[c]) for r in rows]) for c in rows[0]}, copy=False
    )
    scores.loc[scores.model == "Naive", ["status", "test"]] = ["baseline", None]

    meta = df.attrs.get("weightfit", {}).get("series", {})
    fitted_names = [f.name for f in fitted]
    describe = {
        "meta": meta,
        "sources": df.attrs.get("weightfit", {}).get("sources", []),
        "skipped": df.attrs.get("weightfit", {}).get("skipped", []),
        "weights": weights,
        "rows": panel.lengths,
        "start": panel.ds[panel.offsets[:-1]],
        "end": panel.ds[panel.offsets[1:] - 1],
        "test_rows": np.bincount(cutoffs.series, minlength=panel.n_series) * h,
        "test_start": panel.ds[panel.offsets[:-1] + first_cutoff + 1],
        "excluded_splits": excluded,
    }
    settings = {
        **protocol,
        "search": str(search),
        "seasonality": seasonality,
        "tests": tests,
        "gaps": gaps,
        "pooled": pooled,
        "nests_naive": nests,
    }
    one = Summary.of(scores, frame, apart, names, fitted_names, settings, panel.ids, series)
    tally = Tally([one])
    scores["q_value"] = tally.q_values().ravel()  # each model's p-values over series, adjusted
    return Report(
        forecasts=frame,
        scores=scores,
        describe=describe,
        overall=tally.overall() if overall else {},
        models=names,
        fitted=fitted_names,
        metrics=metric_names,
        settings=settings,
        apart=apart,
        tally=tally,
    )
