"""``Report``: what ``weightfit.fit`` found, as plain tables; the overall verdict over all series;
``combine`` for reports on disjoint sets of series (partitions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from weightfit.errors import ConfigError
from weightfit.evaluate import metrics as m
from weightfit.evaluate import verdict as v
from weightfit.evaluate.dm import diebold_mariano

SERIES_IN_JSON = 1000  # beyond this, to_dict() summarises the series instead of listing them


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

    @property
    def read(self) -> dict[str, Any]:
        """What was read: ``{"sources": [one record per file], "series": {id: record}}``."""
        return {"sources": self.describe.get("sources", []), "series": self.describe["meta"]}

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

    def to_dict(self, series: bool | None = None) -> dict[str, Any]:
        """The overall verdict and settings, with every series' entry when ``series`` is True
        (default: when there are at most ``SERIES_IN_JSON``). Otherwise a bounded
        ``series_summary``: per model, how many series beat naive, are no better, are worse
        (a million entries make a JSON of gigabytes; the per-series table goes to Parquet)."""
        n_series = len(self.describe["rows"])
        if series or (series is None and n_series <= SERIES_IN_JSON):
            return {"series": self.series, "overall": self.overall, "settings": self.settings}
        fitted = self.scores[self.scores.model.isin(self.fitted)]
        counts = fitted.groupby("model", sort=False)["status"].value_counts()
        summary = {
            "series": n_series,
            "status_counts": {
                name: {str(k): int(v) for k, v in counts[name].items()}
                for name in self.fitted
                if name in counts.index.get_level_values(0)
            },
            "note": f"per-series entries left out above {SERIES_IN_JSON} series; ask for them "
            "with series=True (--json-series) or write them with --output",
        }
        return {"series_summary": summary, "overall": self.overall, "settings": self.settings}


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


def overall(scores: pd.DataFrame, forecasts: pd.DataFrame, fitted: list[str], h: int) -> dict:
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
        "sources": [s for p in parts for s in p.describe.get("sources", [])],
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
        overall=overall(scores, forecasts, first.fitted, int(first.settings.get("h", 1))),
        models=first.models,
        fitted=first.fitted,
        metrics=first.metrics,
        settings=first.settings,
    )
