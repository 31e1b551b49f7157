"""The overall verdict over many series, from summaries that partitions add up exactly.

``Summary.of`` reduces one fit (one partition, or every series at once) to what the overall
verdict needs: per model and series a few columns (skill, p-value, test, status, the
scale-free measures, the squared errors of the forecasts scored and of those set apart), and
the h-step rows that the pooled tests average per date. ``Tally`` adds summaries in partition
order: the per-series columns are concatenated, and the per-date sums are continued row by row
(one ``np.bincount`` whose first terms are the sums so far, then the new rows in order: exactly
the additions of one ``np.bincount`` over all rows), so a run in partitions, here or on a
cluster, gives bit for bit the numbers of one run over all series, while holding only the
per-series columns and one sum per date.

>>> import weightfit as wf
>>> report = wf.fit(wf.data.sample("msft"), "scale", test=0.2)
>>> tally = Tally([report.summary])
>>> tally.overall() == report.overall
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from weightfit.errors import ConfigError
from weightfit.evaluate import multiple as mt
from weightfit.evaluate import verdict as v
from weightfit.evaluate.multiple import fdr, pooled_test_of, spa_mcs

SCALE_FREE = ("mape", "smape", "mase", "rmsse", "theil_u2", "skill", "direction")
KEPT = ("skill", "p_value", "mase", "rmsse")  # per series and model, besides test and status


@dataclass
class Summary:
    """One fit reduced to what ``Tally.overall`` needs (see the module's docstring).

    ``columns``: name -> (M, S) per model (``models`` order) and series; ``dates``: (N,) the
    target date of each h-step forecast scored (int64 ns, or the frame's own values when it has
    no datetimes) and ``rows``: name -> (N,) a value per such forecast ("count", "dm:NAME",
    "cw:NAME", "loss:NAME"); ``losses``: per series (a few series only) its (n, M) h-step
    squared errors, for the per-series SPA and MCS; ``counts``: forecasts scored, across a gap,
    across a split."""

    models: list[str]
    fitted: list[str]
    settings: dict[str, Any]
    ids: np.ndarray  # (S,)
    columns: dict[str, np.ndarray]
    dates: np.ndarray
    rows: dict[str, np.ndarray]
    losses: dict[str, np.ndarray] | None
    counts: dict[str, np.ndarray]  # name -> (S,) ints: "scored", "gap", "split"

    @property
    def n_series(self) -> int:
        return len(self.ids)

    @classmethod
    def of(
        cls,
        scores: pd.DataFrame,
        forecasts: pd.DataFrame,
        apart: pd.DataFrame | None,
        models: list[str],
        fitted: list[str],
        settings: dict[str, Any],
        ids: np.ndarray,
        codes: np.ndarray | None = None,
    ) -> Summary:
        """The summary of one fit: ``scores`` model-major (all series of model 1, then model 2,
        ...), ``forecasts`` the scored forecasts (each window's h rows consecutive), ``apart``
        those set apart (with ``across``), ``ids`` the (S,) series in ``scores``' order and
        ``codes`` each forecast's series (found from ``unique_id`` when not given)."""
        n_series, h = len(ids), int(settings.get("h", 1))
        if codes is None:
            codes = pd.Index(ids).get_indexer(forecasts["unique_id"])
        shape = (len(models), n_series)
        columns = {  # copies: a view would keep the whole block of the scores alive
            c: scores[c].to_numpy().reshape(shape).copy()
            for c in dict.fromkeys([*KEPT, *SCALE_FREE, "test", "status"])
            if c in scores
        }
        y = forecasts["y"].to_numpy()
        errors = [(y - forecasts[n].to_numpy()) ** 2 for n in models]  # (N,) each
        columns["sse_scored"] = np.stack(
            [np.bincount(codes, weights=e, minlength=n_series) for e in errors]
        )
        counts = {"scored": np.bincount(codes, minlength=n_series)}
        for kind in ("gap", "split"):
            part = apart[apart["across"] == kind] if apart is not None else None
            if part is None or len(part) == 0:  # no column: zeros (``Tally.column``)
                counts[kind] = np.zeros(n_series, dtype=np.int64)
                continue
            at = pd.Index(ids).get_indexer(part["unique_id"])
            yy = part["y"].to_numpy()
            counts[kind] = np.bincount(at, minlength=n_series)
            columns[f"sse_{kind}"] = np.stack(
                [
                    np.bincount(at, weights=(yy - part[n].to_numpy()) ** 2, minlength=n_series)
                    for n in models
                ]
            )
        # the pooled tests: each h-step forecast's differential over its series' naive MSE
        naive_mse = columns["sse_scored"][models.index("Naive")] / np.maximum(counts["scored"], 1)
        scale = np.where(naive_mse > 0, naive_mse, np.nan)[codes]  # (N,)
        horizon = np.arange(len(forecasts)) % h + 1
        at_h = (horizon == h) & np.isfinite(scale)
        naive = errors[models.index("Naive")][at_h]
        sc = scale[at_h]
        rows: dict[str, np.ndarray] = {"count": np.ones(int(at_h.sum()))}
        nests = settings.get("nests_naive", {})
        for name, e in zip(models, errors, strict=True):
            e = e[at_h]
            rows[f"loss:{name}"] = e / sc
            if name == "Naive":
                continue
            rows[f"dm:{name}"] = (naive - e) / sc
        if any(nests.get(n) is not None for n in models):  # Clark-West needs signed errors
            ne = (y - forecasts["Naive"].to_numpy())[at_h]
            for name in models:
                if name != "Naive" and nests.get(name) is not None:
                    e = (y - forecasts[name].to_numpy())[at_h]
                    gap = e - ne
                    rows[f"cw:{name}"] = (ne * ne - (e * e - gap * gap)) / sc
        losses = None
        if n_series <= mt.MAX_SERIES:
            c = codes[at_h]
            stacked = np.stack([e[at_h] for e in errors], axis=1)  # (N, M)
            losses = {str(uid): stacked[c == s] for s, uid in enumerate(ids)}
        return cls(
            models=list(models),
            fitted=list(fitted),
            settings=settings,
            ids=np.asarray(ids, dtype=object),
            columns=columns,
            dates=_keys(forecasts["ds"])[at_h],
            rows=rows,
            losses=losses,
            counts=counts,
        )


def _keys(ds: pd.Series) -> np.ndarray:
    """Dates as sortable keys: int64 ns for datetimes (UTC for zoned ones), else as they are."""
    if isinstance(ds.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(ds):
        return pd.DatetimeIndex(ds).as_unit("ns").asi8
    return ds.to_numpy()


class Tally:
    """Summaries added in partition order (see the module's docstring); ``overall()`` is the
    verdict over all of them, as ``weightfit.fit`` would give over all the series at once."""

    def __init__(self, summaries: Iterable[Summary | Tally] = ()) -> None:
        self.first: Summary | None = None
        self.only: Summary | None = None  # the one summary added, while there is only one
        self._columns: dict[str, list[np.ndarray]] = {}
        self._owners: dict[str, list[np.ndarray]] = {}  # the ids of each part of a column
        self._q: np.ndarray | None = None
        self._counts: dict[str, list[np.ndarray]] = {}
        self._ids: list[np.ndarray] = []
        self.dates = np.zeros(0)
        self.sums: dict[str, np.ndarray] = {}
        self.losses: dict[str, np.ndarray] | None = {}
        for s in summaries:
            self.add(s)

    def add(self, s: Summary | Tally) -> None:
        """Add the next partition's summary (partitions in order, series disjoint). A tally of
        one summary adds as that summary; a tally of several adds its sums per date (the
        same numbers up to the order of the additions)."""
        if isinstance(s, Tally):
            if s.only is not None or s.first is None:
                if s.only is not None:
                    self.add(s.only)
                return
            self._add_tally(s)
            return
        self.only = s if self.first is None else None
        if self.first is None:  # the models and settings; not the arrays of partition 0
            self.first = replace(s, ids=s.ids[:0], columns={}, dates=s.dates[:0], rows={},
                                 losses=None, counts={})  # fmt: skip
            self.dates = s.dates[:0]
            self.sums = {k: np.zeros(0) for k in s.rows}
        elif s.models != self.first.models:
            raise ConfigError("partitions were fitted with different models")
        for k, col in s.columns.items():
            self._columns.setdefault(k, []).append(col)
            self._owners.setdefault(k, []).append(s.ids)
        for k, col in s.counts.items():
            self._counts.setdefault(k, []).append(col)
        self._ids.append(s.ids)
        self._fold(s)
        if self.losses is not None and s.losses is not None:
            self.losses.update(s.losses)
        if s.losses is None or self.n_series > mt.MAX_SERIES:
            self.losses = None

    def _add_tally(self, t: Tally) -> None:
        assert t.first is not None
        if self.first is None:
            self.first = t.first  # metadata only (see ``add``)
            self.dates, self.sums = t.dates[:0], {k: np.zeros(0) for k in t.sums}
        elif t.first.models != self.first.models:
            raise ConfigError("partitions were fitted with different models")
        self.only = None
        for k, cols in t._columns.items():
            self._columns.setdefault(k, []).extend(cols)
            self._owners.setdefault(k, []).extend(t._owners[k])
        for k, cols in t._counts.items():
            self._counts.setdefault(k, []).extend(cols)
        self._ids += t._ids
        dates = np.union1d(self.dates, t.dates)
        for k in self.sums:
            total = np.zeros(len(dates))
            total[np.searchsorted(dates, self.dates)] += self.sums[k]
            total[np.searchsorted(dates, t.dates)] += t.sums[k]
            self.sums[k] = total
        self.dates = dates
        if self.losses is not None and t.losses is not None:
            self.losses.update(t.losses)
        if t.losses is None or self.n_series > mt.MAX_SERIES:
            self.losses = None

    def _fold(self, s: Summary) -> None:
        """Continue each per-date sum with the new rows, in their order: one ``np.bincount``
        over ``[sum so far per date] + new rows`` adds exactly what one ``np.bincount`` over
        every row would have added."""
        dates = np.union1d(self.dates, s.dates) if len(s.dates) else self.dates
        old = np.searchsorted(dates, self.dates)
        new = np.searchsorted(dates, s.dates)
        at = np.concatenate([old, new])
        for k, values in s.rows.items():
            weights = np.concatenate([self.sums[k], values])
            self.sums[k] = np.bincount(at, weights=weights, minlength=len(dates))
        self.dates = dates

    @property
    def n_series(self) -> int:
        return sum(len(i) for i in self._ids)

    def ids(self) -> np.ndarray:
        self._join()
        return self._ids[0] if self._ids else np.zeros(0, dtype=object)

    def column(self, name: str) -> np.ndarray:
        """(M, S) over every series added, in order (zeros where a part has no such column:
        the squared errors across gaps and splits of a part that has none). The parts are
        joined once and kept joined: no second copy of a million series' column."""
        self._join()
        m = len(self.first.models) if self.first is not None else 0
        parts = self._columns.get(name)
        if parts is None:
            return np.zeros((m, self.n_series))
        return parts[0] if parts else np.zeros((m, 0))

    def _join(self) -> None:
        """Each column's parts as one array (a missing part as zeros), the ids likewise."""
        if len(self._ids) <= 1:
            return
        m = len(self.first.models) if self.first is not None else 0
        for name in list(self._columns):
            parts, owners = self._columns[name], self._owners[name]
            got = {id(ids): c for ids, c in zip(owners, parts, strict=True)}
            filled = [got.get(id(ids), np.zeros((m, len(ids)))) for ids in self._ids]
            del parts[:], got
            joined = np.concatenate(filled, axis=1)
            del filled  # the parts freed now: at most one column twice at a time
            self._columns[name] = [joined]
        ids = np.concatenate(self._ids)
        self._ids = [ids]
        self._owners = {name: [ids] for name in self._columns}
        for k, cols in self._counts.items():
            self._counts[k] = [np.concatenate(cols)]

    def names(self) -> list[str]:
        """The per-series columns kept."""
        return list(self._columns)

    def count(self, name: str) -> np.ndarray:
        self._join()
        return self._counts[name][0]

    def q_values(self) -> np.ndarray:
        """(M, S) Benjamini-Hochberg q-values of each model's p-values over all series (kept
        until another summary is added)."""
        if self._q is None or self._q.shape[1] != self.n_series:
            p = self.column("p_value").astype(float)
            self._q = np.stack([fdr(row) for row in p])
        return self._q

    def gaps(self) -> dict[str, Any]:
        """The forecasts set apart (``Report.gaps``), from the per-series sums."""
        assert self.first is not None
        names = self.first.models
        settings = self.first.settings
        scored, gap, split = (int(self.count(k).sum()) for k in ("scored", "gap", "split"))
        total = scored + gap + split
        sse = {k: self.column(f"sse_{k}").sum(axis=1) for k in ("scored", "gap", "split")}
        j = names.index("Naive")
        naive_all = float(sse["scored"][j] + sse["gap"][j] + sse["split"][j])
        mode = settings.get("gaps", "include")
        return {
            "mode": mode,
            "forecasts": total,
            "scored": scored,
            "gap": None  # not looked for
            if mode == "include"
            else {
                "count": gap,
                "share": _num(gap / total) if total else None,
                "naive_error_share": _num(float(sse["gap"][j]) / naive_all)
                if naive_all > 0
                else None,
                "mse": {
                    n: _num(float(sse["gap"][i]) / gap) if gap else None
                    for i, n in enumerate(names)
                },
                "mse_scored": {
                    n: _num(float(sse["scored"][i]) / scored) if scored else None
                    for i, n in enumerate(names)
                },
            },
            "split": {"count": split},
        }

    def means(self) -> dict[str, dict[str, float | None]]:
        """Per model, the mean over series of each scale-free measure kept."""
        assert self.first is not None
        out: dict[str, dict[str, float | None]] = {n: {} for n in self.first.models}
        for c in SCALE_FREE:
            if c not in self._columns:
                continue
            values = self.column(c).astype(float)
            for i, n in enumerate(self.first.models):
                row = values[i]
                out[n][c] = _num(float(np.nanmean(row))) if np.isfinite(row).any() else None
        return out

    def status_counts(self) -> dict[str, dict[str, int]]:
        """Per fitted model: how many series beat naive, are no better, are worse."""
        assert self.first is not None
        status = self.column("status") if "status" in self._columns else None
        out: dict[str, dict[str, int]] = {}
        for i, n in enumerate(self.first.models):
            if n not in self.first.fitted or status is None:
                continue
            words, k = np.unique(status[i].astype(str), return_counts=True)
            order = np.argsort(-k, kind="stable")
            out[n] = {str(words[o]): int(k[o]) for o in order}
        return out

    def overall(self) -> dict[str, Any]:
        """Over all series, for every candidate (baselines and fitted models alike): scale-free
        aggregates (mean and median skill, the geometric mean of relative MSE, mean MASE and
        RMSSE), the count of series it beats naive on at a 5% false-discovery rate, and one
        pooled test on scale-free differentials (each series' loss differential over its naive
        MSE, averaged across series per forecast date, Newey-West over time): Clark-West for a
        model that nests naive, Diebold-Mariano otherwise. Then Hansen's SPA and the MCS: per
        series up to ``multiple.MAX_SERIES`` series, and on the pooled scale-free losses when
        there are several."""
        s = self.first
        if s is None:
            return {"series": 0}
        n_series = self.n_series
        settings = s.settings
        if not settings.get("tests", True):
            return {"series": n_series}
        h = int(settings.get("h", 1))
        nests = settings.get("nests_naive", {})
        names = s.models
        candidates = [n for n in names if n != "Naive"]
        count = self.sums["count"]
        q = self.q_values()
        columns = {c: self.column(c) for c in ("skill", "status", "test", "p_value", "mase")
                   if c in self._columns}  # fmt: skip
        rmsse = self.column("rmsse") if "rmsse" in self._columns else None
        out: dict[str, Any] = {"series": n_series, "models": {}}
        judged = {}
        for name in candidates:
            j = names.index(name)
            skill = columns["skill"][j].astype(float)
            dm = pooled_test_of(self.sums[f"dm:{name}"] / count, h, one_sided=False)
            tests = {"diebold_mariano": dm}
            p_cw = np.nan
            if nests.get(name) is not None:
                tests["clark_west"] = pooled_test_of(
                    self.sums[f"cw:{name}"] / count, h, one_sided=True
                )
                p_cw = _nan(tests["clark_west"]["p_value"])
            mean_skill = float(np.nanmean(skill)) if np.isfinite(skill).any() else np.nan
            _, p_, test_ = v.decide(
                np.array([mean_skill]),
                np.array([_nan(dm["p_value"])]),
                np.array([p_cw]),
                nests.get(name) is not None,
            )
            status, words = v.judge(mean_skill, float(p_[0]), f"pooled {test_[0]}")
            if n_series == 1:  # one series: its own tests are the answer
                status = str(columns["status"][j][0])
                test = str(columns["test"][j][0]) if "test" in columns else v.DM
                words = v.judge(skill[0], float(columns["p_value"][j][0]), test)[1]
            beats = int(((q[j] < v.ALPHA) & (skill > 0)).sum())
            raw = int((columns["status"][j] == "beats").sum())
            relative = 1 - skill
            ok = np.isfinite(relative) & (relative > 0)
            count_words = (
                f"beats naive on {beats} of {n_series} series at a 5% false-discovery rate"
                f" ({raw} unadjusted)"
                if n_series > 1
                else ""
            )
            mase = columns["mase"][j].astype(float) if "mase" in columns else None
            out["models"][name] = {
                "fitted": name in s.fitted,
                "nests_naive": nests.get(name),
                "mean_skill": _num(mean_skill),
                "median_skill": _num(float(np.nanmedian(skill)) if ok.any() else np.nan),
                "gmean_relative_mse": _num(float(np.exp(np.log(relative[ok]).mean())))
                if ok.any()
                else None,
                "mase": _num(float(np.nanmean(mase))) if mase is not None else None,
                "rmsse": _num(float(np.nanmean(rmsse[j].astype(float))))
                if rmsse is not None
                else None,
                "p_value": _num(float(p_[0])),
                "test": f"pooled {test_[0]}",
                "pooled": tests,
                "beats_naive_on": beats,
                "beats_naive_unadjusted": raw,
                "status": status,
                "verdict": f"{words}; {count_words}" if count_words else words,
            }
            judged[name] = {
                "status": status,
                "skill": mean_skill,
                "verdict": out["models"][name]["verdict"],
            }
        out["multiple"] = self._multiple(candidates, h)
        pooled = out["multiple"].get("pooled") or next(
            iter(out["multiple"].get("series", {}).values()), None
        )
        verdict = v.summarise(judged, s.fitted)
        more = v.multiple_words(pooled)
        out["verdict"] = f"{verdict}; {more}" if more else verdict
        return out

    def _multiple(self, candidates: list[str], h: int) -> dict[str, Any]:
        """SPA and MCS of every candidate against naive: per series (a few series), and on the
        pooled scale-free losses (several series)."""
        if not candidates:
            return {}
        names = ["Naive", *candidates]
        out: dict[str, Any] = {}
        if self.losses is not None and self.n_series <= mt.MAX_SERIES:
            assert self.first is not None
            order = [self.first.models.index(n) for n in names]
            out["series"] = {
                str(uid): spa_mcs(self.losses[str(uid)][:, order], names, h) for uid in self.ids()
            }
        if self.n_series > 1:
            count = self.sums["count"][:, None]
            means = np.stack([self.sums[f"loss:{n}"] for n in names], axis=1) / count
            pooled = spa_mcs(means, names, h)
            out["pooled"] = {
                "scope": "the cross-sectional mean of the losses over naive MSE per date",
                **pooled,
            }
        return out


def _num(x: Any) -> float | None:
    x = float(x)
    return None if x != x else x


def _nan(x: float | None) -> float:
    return np.nan if x is None else float(x)
