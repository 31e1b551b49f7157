"""``Report``: what ``weightfit.fit`` found, as plain tables, with the overall verdict over all
series (``summary.Tally``); ``combine`` for reports on disjoint sets of series (partitions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from weightfit.data.panel import Joined
from weightfit.errors import ConfigError
from weightfit.evaluate import metrics as m
from weightfit.evaluate import multiple as mt
from weightfit.evaluate import verdict as v
from weightfit.evaluate.summary import Summary, Tally, _num

RETURNS = ("r2_price", "r2_return", "hit_rate", "hit_base", "pt", "p_pt")
TESTS = ("test", "p_value", "q_value", "dm", "p_dm", "p_value_abs", "cw", "p_cw")

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
    apart: pd.DataFrame | None = None  # forecasts set apart: as ``forecasts``, and ``across``
    tally: Tally | None = field(default=None, repr=False)  # what ``overall`` was built from
    rows_kept: bool = True  # False: forecasts and scores were not kept (``without_rows``)
    _series: list[dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def summary(self) -> Tally:
        """The per-series columns and per-date sums the overall verdict is built from (built
        from the tables when the report came without them: a stored run)."""
        if self.tally is None:
            ids = self.scores["unique_id"].to_numpy()[: len(self.describe["rows"])]
            one = Summary.of(self.scores, self.forecasts, self.apart, self.models, self.fitted,
                             self.settings, ids)  # fmt: skip
            self.tally = Tally([one])
        return self.tally

    def without_rows(self, where: str = "") -> Report:
        """This report without its forecasts and per-series scores (the summary, the overall
        verdict and the per-series record stay): what a partition of a big run keeps in
        memory. ``where``: where the rows went, said when they are asked for."""
        self.summary  # noqa: B018 - built now, while the tables are here
        empty = self.forecasts.head(0).copy(), self.scores.head(0).copy()  # no view: no blocks
        settings = {**self.settings, "rows_written_to": where} if where else self.settings
        return Report(forecasts=empty[0], scores=empty[1], describe=self.describe,
                      overall=self.overall, models=self.models, fitted=self.fitted,
                      metrics=self.metrics, settings=settings, apart=None, tally=self.tally,
                      rows_kept=False)  # fmt: skip

    def _need_rows(self, what: str) -> None:
        if not self.rows_kept:
            where = self.settings.get("rows_written_to")
            went = f"they were written to {where}" if where else "ask for them"
            raise ConfigError(
                f"{what}: this report of {len(self.describe['rows']):,} series kept no "
                f"per-series rows in memory; {went} (fit_files(output=..., forecasts=...) or "
                "keep_rows=True; --output and --forecasts on the command line)"
            )

    @property
    def series(self) -> list[dict[str, Any]]:
        """Per series: id, rows, dates, price column, each model's measures and verdict, the
        series' verdict and warnings. Built on first use, in one pass over the scores."""
        if self._series is None:
            self._need_rows("the per-series entries")
            self._series = _series_entries(self)
        return self._series

    @property
    def read(self) -> dict[str, Any]:
        """What was read: ``{"sources": [one record per file], "series": {id: record},
        "skipped": [{"file", "reason"} per file left out by on_bad="skip"]}``."""
        d = self.describe
        return {
            "sources": d.get("sources", []),
            "series": d["meta"],
            "skipped": d.get("skipped", []),
        }

    @property
    def gaps(self) -> dict[str, Any]:
        """The forecasts set apart from the scored ones (``fit``'s ``gaps``): the mode; every
        forecast made (``forecasts``) and those scored (``scored``); for the ones across a gap
        (``gap``): ``count``, ``share`` of all forecasts, ``naive_error_share`` (their share
        of naive's squared error over all forecasts), each model's ``mse`` on them and on the
        scored ones (``mse_scored``; pooled over series, so for one series or one scale); for the
        ones across an excluded split (``split``): ``count`` and the splits (series, date,
        ratio). ``gap`` is None with ``gaps="include"`` (not looked for)."""
        out = self.summary.gaps()
        out["split"]["splits"] = [
            {k: sp[k] for k in ("series", "date", "ratio")}
            for sp in self.describe.get("excluded_splits", [])
        ]
        return out

    def table(self, series: str | None = None) -> pd.DataFrame:
        """Models by measures. For one series: its measures, the test that decides and its
        p-value (``p_value``, ``test``), Diebold-Mariano and Clark-West beside it, MCS
        membership (``mcs``) and the returns view. Over several series (``series=None``): only
        scale-free aggregates (see ``overall``): the mean of each scale-free measure (the
        price-scale ones, mse, rmse, mae, are NaN: a mean across price scales means nothing),
        median skill, the geometric mean of relative MSE, the pooled test's ``p_value`` and the
        count of series beaten at a 5% false-discovery rate."""
        if series is None and (len(self.describe["rows"]) > 1 or not self.rows_kept):
            return _overall_table(self)
        self._need_rows(f"the table of series {series!r}")
        rows = self.scores if series is None else self.scores[self.scores.unique_id == series]
        uid = str(rows.unique_id.iloc[0])
        cols = [*self.metrics, *[c for c in (*TESTS, *RETURNS) if c in rows]]
        out = rows.set_index("model")[list(dict.fromkeys(cols))]
        multiple = self.overall.get("multiple", {}).get("series", {}).get(uid) or {}
        members = (multiple.get("mcs") or {}).get("members")
        out["mcs"] = [None if members is None else n in members for n in out.index]
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
        """One row per series and model: measures, every test (statistic, p-value, and the
        options: tested forecasts ``n``, HAC ``lags``, the bootstrap's block size and seed),
        the SPA p-value of the series, MCS membership, the returns view and the verdict."""
        self._need_rows("the per-series table")
        test_rows = np.tile(np.asarray(self.describe["test_rows"]), len(self.models))
        return series_table(self.scores.copy(), test_rows, self.overall, self.settings)

    def skills(self) -> pd.DataFrame:
        """Per series and model (all series of model 1, then model 2, ...): ``unique_id``,
        ``model``, ``skill``, ``p_value``, ``q_value``, ``test`` and ``status``, from the
        summary: there whether or not the report kept its rows."""
        t = self.summary
        ids = t.ids()
        out = pd.DataFrame(
            {
                "unique_id": np.tile(ids, len(self.models)),
                "model": np.repeat(np.asarray(self.models, dtype=object), len(ids)),
                "skill": t.column("skill").astype(float).ravel(),
                "p_value": t.column("p_value").astype(float).ravel(),
                "q_value": t.q_values().ravel(),
            }
        )
        for c in ("test", "status"):
            if c in t.names():
                out[c] = t.column(c).ravel()
        return out

    def verdicts(self) -> list[str]:
        """The verdict in words for each row of ``scores``."""
        return _verdicts(self.scores)

    def to_dict(self, series: bool | None = None) -> dict[str, Any]:
        """The overall verdict and settings, with every series' entry when ``series`` is True
        (default: when there are at most ``SERIES_IN_JSON``). Otherwise a bounded
        ``series_summary``: per model, how many series beat naive, are no better, are worse
        (a million entries make a JSON of gigabytes; the per-series table goes to Parquet)."""
        n_series = len(self.describe["rows"])
        read = self.read
        if series is None and not self.rows_kept:  # a big run: its rows went to files
            series = False
        if n_series > SERIES_IN_JSON and not series:
            read = {**read, "series": {"count": len(read["series"]), "note": "left out above "
                    f"{SERIES_IN_JSON} series, as the per-series entries"}}  # fmt: skip
        more = {"gaps": self.gaps, "read": read}
        if series or (series is None and n_series <= SERIES_IN_JSON):  # (rows needed)
            return {
                "series": self.series,
                "overall": self.overall,
                "settings": self.settings,
                **more,
            }
        summary = {
            "series": n_series,
            "status_counts": self.summary.status_counts(),
            "note": f"per-series entries left out above {SERIES_IN_JSON} series; ask for them "
            "with series=True (--json-series) or write them with --output"
            if self.rows_kept
            else "per-series entries left out: the run was bigger than its memory budget; "
            "write them with --output (fit_files(output=...))",
        }
        return {
            "series_summary": summary,
            "overall": self.overall,
            "settings": self.settings,
            **more,
        }


def series_table(
    scores: pd.DataFrame, test_rows: np.ndarray, overall: dict[str, Any], settings: dict[str, Any]
) -> pd.DataFrame:
    """``Report.to_frame`` for any run of rows of ``scores`` (edited in place): ``test_rows``
    the forecasts of each row's series, ``overall`` and ``settings`` the report's. Used on a
    partition's rows at a time when a big run writes its table (``fit_files(output=...)``)."""
    frame = scores
    h = int(settings.get("h", 1))
    frame["n"] = np.asarray(test_rows) // h
    frame["lags"] = h - 1  # Diebold-Mariano and Clark-West; both on the h-step errors
    per = overall.get("multiple", {}).get("series", {})
    spa = {uid: (r.get("spa") or {}) for uid, r in per.items()}
    mcs = {uid: (r.get("mcs") or {}) for uid, r in per.items()}
    if per:
        ids = frame.unique_id.astype(str)
        frame["spa_p"] = [spa.get(u, {}).get("p_value", np.nan) for u in ids]
        frame["in_mcs"] = [
            (n in mcs[u]["members"]) if mcs.get(u) else None
            for u, n in zip(ids, frame.model, strict=True)
        ]
        frame["bootstrap_block"] = [spa.get(u, {}).get("block_size", np.nan) for u in ids]
        frame["bootstrap_seed"] = mt.SEED
    else:  # beyond a few series, no per-series SPA and MCS
        frame["spa_p"] = np.nan
        frame["in_mcs"] = None
        frame["bootstrap_block"] = np.nan
        frame["bootstrap_seed"] = np.nan
    # fixed types, whatever a part holds: a table written a partition at a time keeps one schema
    frame["in_mcs"] = frame["in_mcs"].astype("boolean")
    for c in ("spa_p", "bootstrap_block", "bootstrap_seed"):
        frame[c] = frame[c].astype(float)
    frame["verdict"] = _verdicts(frame)
    return frame


def _verdicts(scores: pd.DataFrame) -> list[str]:
    words = v.verdicts_of(scores)
    return ["the baseline" if m == "Naive" else w for m, w in zip(scores.model, words, strict=True)]


def _series_entries(report: Report) -> list[dict[str, Any]]:
    d, names, scores = report.describe, report.models, report.scores
    n_series = len(d["rows"])
    by = {c: scores[c].to_numpy().reshape(len(names), n_series) for c in scores.columns}
    tested = [k for k in (*TESTS, "mase", "rmsse") if k in by and k not in report.metrics]
    returns = [k for k in RETURNS if k in by]
    h = int(report.settings.get("h", 1))
    nests = report.settings.get("nests_naive", {})
    per = report.overall.get("multiple", {}).get("series", {})
    out = []
    for s in range(n_series):
        uid = str(by["unique_id"][0, s])
        info = d["meta"].get(uid, {})
        multiple = per.get(uid)
        members = ((multiple or {}).get("mcs") or {}).get("members")
        n = int(d["test_rows"][s]) // h
        warnings = list(info.get("warnings", []))
        models: dict[str, dict[str, Any]] = {}
        judged: dict[str, dict[str, Any]] = {}
        for j, name in enumerate(names):
            entry: dict[str, Any] = {k: _num(by[k][j, s]) for k in report.metrics}
            entry["returns"] = {k: _num(by[k][j, s]) for k in returns}
            if members is not None:
                entry["in_mcs"] = name in members
            if name != "Naive" and "status" in by:
                entry.update({k: _num(by[k][j, s]) for k in tested if k != "test"})
                test = str(by["test"][j, s]) if "test" in by else v.DM
                skill = float(by["skill"][j, s])
                words = v.judge(skill, float(by["p_value"][j, s]), test)[1]
                entry.update(test=test, nests_naive=nests.get(name), verdict=words)
                entry["status"] = by["status"][j, s]
                entry["tests"] = _test_records(by, j, s, n, h, nests.get(name) is not None)
                judged[name] = {"status": entry["status"], "skill": skill, "verdict": words}
            if name in d["weights"]:
                labels, values = d["weights"][name]
                w = dict(zip(labels, values[s].tolist(), strict=True))
                entry["weights"] = w
                if len(w) == 1:
                    entry["weight"] = next(iter(w.values()))
            models[name] = entry
            if name in report.fitted:
                warning = v.tracking_warning(name, float(by["move_ratio"][j, s]))
                if warning:
                    warnings.append(warning)
        verdict = v.summarise(judged, report.fitted)
        more = v.multiple_words(multiple)
        out.append(
            {
                "id": uid,
                "rows": int(d["rows"][s]),
                "start": str(pd.Timestamp(d["start"][s])),
                "end": str(pd.Timestamp(d["end"][s])),
                "price_column": info.get("price_column"),
                "test_rows": int(d["test_rows"][s]),
                "models": models,
                "multiple": multiple,
                "verdict": f"{verdict}; {more}" if more else verdict,
                "warnings": warnings,
            }
        )
    return out


def _test_records(
    by: dict[str, np.ndarray], j: int, s: int, n: int, h: int, nested: bool
) -> dict[str, Any]:
    """Each test of model ``j`` on series ``s``: name, statistic, p-value, n, alternative and
    options, as plain data."""
    out: dict[str, Any] = {
        "diebold_mariano": {
            "statistic": _num(by["dm"][j, s]),
            "p_value": _num(by["p_dm"][j, s]),
            "p_value_absolute_error": _num(by["p_value_abs"][j, s]),
            "n": n,
            "alternative": "two-sided",
            "loss": "squared error",
            "lags": h - 1,
            "correction": "Harvey-Leybourne-Newbold (t with n - 1 df)",
        }
    }
    if nested:
        out["clark_west"] = {
            "statistic": _num(by["cw"][j, s]),
            "p_value": _num(by["p_cw"][j, s]),
            "n": n,
            "alternative": "greater (the model is more accurate)",
            "lags": h - 1,
            "kernel": "Bartlett (Newey-West), normal p-value",
        }
    if "pt" in by:
        out["pesaran_timmermann"] = {
            "statistic": _num(by["pt"][j, s]),
            "p_value": _num(by["p_pt"][j, s]),
            "n": n * h,
            "alternative": "greater (calls the direction better than chance)",
        }
    if "q_value" in by:
        out["benjamini_hochberg"] = {"q_value": _num(by["q_value"][j, s]), "over": "series"}
    return out


def _overall_table(report: Report) -> pd.DataFrame:
    """The all-series leaderboard: scale-free aggregates only (see ``Report.table``)."""
    models = report.overall.get("models", {})
    members = (report.overall.get("multiple", {}).get("pooled", {}).get("mcs") or {}).get("members")
    means = report.summary.means()
    rows = []
    for name in report.models:
        o = models.get(name, {})
        mean = means.get(name, {})
        row = {c: mean.get(c, np.nan) for c in report.metrics}
        row.update(
            median_skill=o.get("median_skill"),
            relative_mse=o.get("gmean_relative_mse"),
            mase=mean.get("mase"),
            rmsse=mean.get("rmsse"),
            p_value=o.get("p_value"),
            test=o.get("test"),
            beats=o.get("beats_naive_on"),
            mcs=None if members is None else name in members,
        )
        rows.append(pd.Series(row, name=name))
    frame = pd.DataFrame(rows)
    for c in frame.columns:
        if c not in ("test", "mcs"):
            frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
    return frame


def combine(parts: Sequence[Report], tally: Tally | None = None) -> Report:
    """One report from reports on disjoint sets of series (partitions), as if run at once: the
    overall verdict from their summaries added in order (``summary.Tally``; ``tally``: those
    summaries already added), bit for bit that of one run; the tables concatenated where every
    part kept them."""
    if len(parts) == 1 and tally is None and (parts[0].overall or not parts[0].rows_kept):
        return parts[0]
    first = parts[0]
    for p in parts[1:]:
        if p.models != first.models or p.metrics != first.metrics:
            raise ConfigError("partitions were fitted with different models or measures")
    if tally is None:
        tally = Tally(p.summary for p in parts)
    ids = tally.ids()
    if not pd.Index(ids).is_unique:
        raise ConfigError("two partitions hold the same series id; give each ticker one file")
    kept = all(p.rows_kept for p in parts)
    n = len(first.models)
    scores = pd.concat(  # model-major, as each part: all series of model 1, then model 2, ...
        [
            p.scores.iloc[j * len(p.describe["rows"]) : (j + 1) * len(p.describe["rows"])]
            for j in range(n)
            for p in parts
        ],
        ignore_index=True,
    )
    if kept:
        scores["q_value"] = tally.q_values().ravel()  # the q-values depend on all the series
    forecasts = pd.concat([p.forecasts for p in parts], ignore_index=True)
    weights = {
        name: (labels, np.concatenate([p.describe["weights"][name][1] for p in parts]))
        for name, (labels, _) in first.describe["weights"].items()
    }
    describe = {
        "meta": Joined([p.describe["meta"] for p in parts]),  # none copied
        "sources": [s for p in parts for s in p.describe.get("sources", [])],
        "skipped": [s for p in parts for s in p.describe.get("skipped", [])],
        "excluded_splits": [s for p in parts for s in p.describe.get("excluded_splits", [])],
        "weights": weights,
        **{
            key: np.concatenate([p.describe[key] for p in parts])
            for key in ("rows", "start", "end", "test_rows", "test_start")
            if all(key in p.describe for p in parts)
        },
    }
    aparts = [p.apart for p in parts if p.apart is not None]
    return Report(
        forecasts=forecasts,
        scores=scores,
        describe=describe,
        overall=tally.overall(),
        models=first.models,
        fitted=first.fitted,
        metrics=first.metrics,
        settings=_merged_settings(parts),
        apart=pd.concat(aparts, ignore_index=True) if aparts and kept else None,
        tally=tally,
        rows_kept=kept,
    )


def _merged_settings(parts: Sequence[Report]) -> dict[str, Any]:
    """The partitions' settings (all alike) with every partition's set-aside series."""
    settings = {k: v for k, v in parts[0].settings.items() if k != "set_aside"}
    aside = [x for p in parts for x in p.settings.get("set_aside", [])]
    return {**settings, "set_aside": aside} if aside else settings
