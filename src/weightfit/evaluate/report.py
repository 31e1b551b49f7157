"""``weightfit.fit``: fit on the training part, forecast the test part, measure against every
baseline, test against naive and say what it means. The CLI only renders what this returns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weightfit.errors import ConfigError
from weightfit.evaluate import metrics as m
from weightfit.evaluate import verdict as v
from weightfit.evaluate.baselines import Baseline, Naive, default_baselines
from weightfit.evaluate.cv import (
    Fitted,
    get_forecaster,
    holdout_windows,
    rolling_windows,
    run,
)
from weightfit.evaluate.dm import diebold_mariano
from weightfit.evaluate.panel import Panel, segment_sum


@dataclass
class Report:
    """What ``fit`` found: forecasts, measures per series and model, tests and verdicts."""

    forecasts: pd.DataFrame  # unique_id, ds, cutoff, y, one column per model
    scores: pd.DataFrame  # one row per (unique_id, model): measures, dm, p values, status
    describe: dict[str, Any]  # what the per-series summaries are built from
    overall: dict[str, Any]
    models: list[str]  # model column names, baselines first
    fitted: list[str]  # the weight models among them
    metrics: list[str]
    settings: dict[str, Any] = field(default_factory=dict)
    _series: list[dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def series(self) -> list[dict[str, Any]]:
        """Per series: id, rows, dates, price column, each model's measures and verdict, the
        series' verdict and warnings. Built on first use, in one pass over the scores."""
        if self._series is None:
            self._series = _series_entries(self)
        return self._series

    def table(self, series: str | None = None) -> pd.DataFrame:
        """Models by measures: one series, or the mean over all series."""
        rows = self.scores if series is None else self.scores[self.scores.unique_id == series]
        cols = [*self.metrics, "p_value"]
        out = rows.groupby("model", sort=False)[cols].mean()
        return out.loc[[n for n in self.models if n in out.index]]

    def best(self, series: str | None = None) -> dict[str, str]:
        """The best model of each measure (lowest error, highest skill and direction)."""
        table = self.table(series)
        return {
            c: str(table[c].idxmin() if c in m.LOWER_IS_BETTER else table[c].idxmax())
            for c in self.metrics
            if table[c].notna().any()
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per series and model: measures, DM statistic, p values and verdict."""
        frame = self.scores.copy()
        frame["verdict"] = self.verdicts()
        return frame

    def verdicts(self) -> list[str]:
        """The verdict in words for each row of ``scores``."""
        words = [
            v.judge(s, p)[1]
            for s, p in zip(self.scores["skill"], self.scores["p_value"], strict=True)
        ]
        return [
            "the baseline" if m == "Naive" else w
            for m, w in zip(self.scores.model, words, strict=True)
        ]

    def to_dict(self) -> dict[str, Any]:
        return {"series": self.series, "overall": self.overall, "settings": self.settings}

    def plot(self, directory: str | Path, max_series: int = 12) -> list[Path]:
        """PNGs: the test window with each model's forecasts, and each model's errors."""
        from weightfit.report.plots import plot_report

        return plot_report(self, Path(directory), max_series=max_series)


def _scales(panel: Panel, first_cutoff: np.ndarray, m_: int) -> tuple[np.ndarray, np.ndarray]:
    """In-sample seasonal-naive MAE and MSE of each series' data up to its first cutoff."""
    v_ = panel.values
    diff = np.r_[np.full(m_, np.nan), v_[m_:] - v_[:-m_]]  # diff[t] = y_t - y_{t-m}
    start = panel.offsets[:-1] + m_
    stop = panel.offsets[:-1] + first_cutoff + 1
    if bool((stop <= start).any()):
        raise ConfigError(f"the training part is too short for seasonality {m_}")
    count = stop - start
    mae = segment_sum(np.abs(np.nan_to_num(diff)), start, stop) / count
    mse = segment_sum(np.nan_to_num(diff) ** 2, start, stop) / count
    return mae, mse


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
    callback: Callable[[str], None] | None = None,
) -> Report:
    """Does the model beat the naive baseline? Fit, forecast, measure, test and say.

    ``test`` holds out each series' last fraction (or everything from a date) for one-step
    forecasts with the weights fitted once on the rest; ``cv`` runs that many rolling-origin
    windows instead, refitting at each cutoff, for ``h``-step forecasts. ``tests=False``
    skips the Diebold-Mariano tests (and so the verdicts, which rest on them): measures only.

    >>> from weightfit.data import sample
    >>> report = fit(sample("msft"), "scale", test=0.2)
    >>> report.series[0]["verdict"]  # doctest: +ELLIPSIS
    'no model beats naive: ...'
    """
    metric_names = m.check_metrics(list(metrics))
    panel = Panel.from_frame(df)
    specs = list(model) if isinstance(model, list | tuple) else [model]
    fitted = [get_forecaster(s, search, max_evaluations) for s in specs]
    if any(not isinstance(f, Fitted) for f in fitted):
        raise ConfigError(
            "model must name weight models (scale, affine, ar:5); baselines run anyway"
        )
    base = list(baselines) if baselines is not None else default_baselines()
    if not any(isinstance(b, Naive) for b in base):
        base.insert(0, Naive())
    forecasters: list[Baseline | Fitted] = [*base, *fitted]
    names = [f.name for f in forecasters]
    if len(set(names)) != len(names):
        raise ConfigError(f"two models share a name: {names}")
    if cv is not None:
        windows = rolling_windows(panel, h, int(cv), step_size, refit=True)
        protocol = {"protocol": "cross-validation", "windows": int(cv), "h": h}
    else:
        if h != 1:
            raise ConfigError("the hold-out makes one-step forecasts; use --cv N for h > 1")
        windows = holdout_windows(panel, 0.2 if test is None else test)
        protocol = {"protocol": "hold-out", "test": test, "h": 1}
    if device != "cpu":
        import torch

        if device.startswith("cuda") and not torch.cuda.is_available():
            raise ConfigError(f"--device {device}: no CUDA device on this machine; use cpu")
    frame, fits = run(panel, forecasters, windows, h, callback, device=device)
    weights = {  # name -> (weight names, (S, k) array), turned into dicts only when asked
        f.name: (f.model.weight_names(), fits[f.name].weights.numpy())
        for f in forecasters
        if isinstance(f, Fitted) and f.name in fits
    }

    # every forecast row: its series, the last value seen, the horizon
    series = np.repeat(windows.series, h)
    last = np.repeat(panel.values[panel.offsets[windows.series] + windows.cutoff], h)
    horizon = np.tile(np.arange(1, h + 1), len(windows.series))
    scale_mae, scale_mse = _scales(panel, windows.first(panel.n_series), seasonality)
    y = frame["y"].to_numpy()
    ctx = m.Context(y, last, series, panel.n_series, scale_mae, scale_mse)
    naive_err = y - frame["Naive"].to_numpy()
    at_h = horizon == h  # the DM test uses the h-step errors, autocorrelated up to lag h - 1
    real_moves = ctx.mean((y - last) ** 2)  # (S,) the naive MSE: the size of the real moves

    rows = []
    for name in names:
        f = frame[name].to_numpy()
        row = {k: m.MEASURES[k](ctx, f) for k in metric_names}
        row["skill"] = m.MEASURES["skill"](ctx, f)
        if name == "Naive" or not tests:
            stat = p = p_abs = np.full(panel.n_series, np.nan)
        else:
            e = y - f
            if not at_h.all():
                e, ne, codes = e[at_h], naive_err[at_h], series[at_h]
            else:
                ne, codes = naive_err, series
            stat, p = diebold_mariano(e, ne, codes, h=h, power=2)
            _, p_abs = diebold_mariano(e, ne, codes, h=h, power=1)
        row.update(dm=stat, p_value=p, p_value_abs=p_abs)
        row["move_ratio"] = np.sqrt(ctx.mean((f - last) ** 2) / real_moves)
        rows.append(pd.DataFrame({"unique_id": panel.ids, "model": name, **row}))
    scores = pd.concat(rows, ignore_index=True)
    scores["status"] = v.statuses(scores["skill"].to_numpy(), scores["p_value"].to_numpy())
    scores.loc[scores.model == "Naive", "status"] = "baseline"

    meta = df.attrs.get("weightfit", {}).get("series", {})
    fitted_names = [f.name for f in fitted]
    describe = {
        "meta": meta,
        "weights": weights,
        "rows": panel.lengths,
        "start": panel.ds[panel.offsets[:-1]],
        "end": panel.ds[panel.offsets[1:] - 1],
        "test_rows": np.bincount(windows.series, minlength=panel.n_series) * h,
    }
    overall = _overall(scores, frame, fitted_names, h) if tests else {"series": panel.n_series}
    return Report(
        forecasts=frame,
        scores=scores,
        describe=describe,
        overall=overall,
        models=names,
        fitted=fitted_names,
        metrics=metric_names,
        settings={**protocol, "search": str(search), "seasonality": seasonality},
    )


def _series_entries(report: Report) -> list[dict[str, Any]]:
    d, names, scores = report.describe, report.models, report.scores
    n_series = len(d["rows"])
    by = {c: scores[c].to_numpy().reshape(len(names), n_series) for c in scores.columns}
    keys = [*report.metrics, "p_value", "p_value_abs", "dm"]
    out = []
    for s in range(n_series):
        uid = str(by["unique_id"][0, s])
        info = d["meta"].get(uid, {})
        warnings = list(info.get("warnings", []))
        models: dict[str, dict[str, Any]] = {}
        judged: dict[str, dict[str, Any]] = {}
        for j, name in enumerate(names):
            entry: dict[str, Any] = {k: _num(by[k][j, s]) for k in report.metrics}
            if name != "Naive":
                entry.update({k: _num(by[k][j, s]) for k in keys[len(report.metrics) :]})
                words = v.judge(float(by["skill"][j, s]), float(by["p_value"][j, s]))[1]
                entry.update(verdict=words, status=by["status"][j, s])
            if name in d["weights"]:
                labels, values = d["weights"][name]
                w = dict(zip(labels, values[s].tolist(), strict=True))
                entry["weights"] = w
                if len(w) == 1:
                    entry["weight"] = next(iter(w.values()))
            models[name] = entry
            if name in report.fitted:
                judged[name] = {
                    "status": entry["status"],
                    "skill": float(by["skill"][j, s]),
                    "verdict": entry["verdict"],
                }
                warning = v.tracking_warning(name, float(by["move_ratio"][j, s]))
                if warning:
                    warnings.append(warning)
        out.append(
            {
                "id": uid,
                "rows": int(d["rows"][s]),
                "start": str(pd.Timestamp(d["start"][s])),
                "end": str(pd.Timestamp(d["end"][s])),
                "price_column": info.get("price_column"),
                "test_rows": int(d["test_rows"][s]),
                "models": models,
                "verdict": v.summarise(judged),
                "warnings": warnings,
            }
        )
    return out


def _num(x: Any) -> float | None:
    x = float(x)
    return None if x != x else x


def _overall(scores: pd.DataFrame, forecasts: pd.DataFrame, fitted: list[str], h: int) -> dict:
    """Over all series: mean skill, how many series each model beats naive on, and one DM
    test on errors scaled by each series' naive RMSE (so no ticker dominates by its price).
    Built from the scores and forecasts alone, so partial runs combine into the same answer."""
    codes, uniques = pd.factorize(forecasts["unique_id"], sort=False)
    n_series = len(uniques)
    y = forecasts["y"].to_numpy()
    naive_err = y - forecasts["Naive"].to_numpy()
    count = np.bincount(codes, minlength=n_series)
    naive_mse = np.bincount(codes, weights=naive_err**2, minlength=n_series) / count
    scale = np.sqrt(np.where(naive_mse > 0, naive_mse, np.nan))[codes]
    horizon = np.arange(len(forecasts)) % h + 1  # each window's h forecasts are consecutive
    at_h = horizon == h  # the h-step errors, autocorrelated up to lag h - 1
    out: dict[str, Any] = {"series": n_series, "models": {}}
    judged = {}
    # a two-sided test at ALPHA with skill > 0: a model no better than naive "beats" it on
    # about ALPHA / 2 of the series by chance; many series make some wins certain
    chance = round(v.ALPHA / 2 * n_series)
    for name in fitted:
        rows = scores[scores.model == name]
        e = (y - forecasts[name].to_numpy()) / scale
        ok = at_h & np.isfinite(e)
        _, p = diebold_mariano(e[ok], (naive_err / scale)[ok], None, h=h)  # one pooled stream
        skill = float(np.nanmean(rows["skill"]))
        status, words = v.judge(skill, float(p[0]))
        beats = int((rows["status"] == "beats").sum())
        out["models"][name] = {
            "mean_skill": skill,
            "p_value": _num(p[0]),
            "beats_naive_on": beats,
            "status": status,
            "verdict": f"{words}; beats naive on {beats} of {n_series} series"
            + (f" (chance alone would give about {chance:g})" if n_series >= 20 else ""),
        }
        judged[name] = {"status": status, "skill": skill, "verdict": out["models"][name]["verdict"]}
    out["verdict"] = v.summarise(judged)
    return out


def combine(parts: Sequence[Report]) -> Report:
    """One report from reports on disjoint sets of series (partitions), as if run at once."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    ids = pd.concat([p.scores.unique_id for p in parts])
    per_model = ids.groupby(pd.concat([p.scores.model for p in parts])).size()
    if int(per_model.max()) != ids.nunique():
        raise ConfigError("two partitions hold the same series id; give each ticker one file")
    for p in parts[1:]:
        if p.models != first.models or p.metrics != first.metrics:
            raise ConfigError("partitions were fitted with different models or measures")
    n = len(first.models)
    scores = pd.concat(  # model-major, as each part: all series of model 1, then model 2, ...
        [
            p.scores.iloc[j * len(p.describe["rows"]) : (j + 1) * len(p.describe["rows"])]
            for j in range(n)
            for p in parts
        ],
        ignore_index=True,
    )
    forecasts = pd.concat([p.forecasts for p in parts], ignore_index=True)
    weights = {
        name: (labels, np.concatenate([p.describe["weights"][name][1] for p in parts]))
        for name, (labels, _) in first.describe["weights"].items()
    }
    describe = {
        "meta": {k: v_ for p in parts for k, v_ in p.describe["meta"].items()},
        "weights": weights,
        **{
            key: np.concatenate([p.describe[key] for p in parts])
            for key in ("rows", "start", "end", "test_rows")
        },
    }
    return Report(
        forecasts=forecasts,
        scores=scores,
        describe=describe,
        overall=_overall(scores, forecasts, first.fitted, int(first.settings.get("h", 1))),
        models=first.models,
        fitted=first.fitted,
        metrics=first.metrics,
        settings=first.settings,
    )
