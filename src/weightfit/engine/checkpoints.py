"""Finished partitions on disk, as plain data: Parquet tables and one JSON file, never pickle.

A checkpoint is a folder ``part-NNNNN/`` holding ``series.arrow`` (per-series rows, dates,
test rows and weights), the partition's summary (``summary.arrow``: its per-series columns;
``dates.arrow``: its h-step rows; see ``evaluate.summary``), all three Arrow IPC files,
``report.json`` (everything else, with the key of the inputs that produced it) and, when the
rows are kept or written,
``forecasts.parquet``, ``scores.parquet`` (one row group per model) and ``apart.parquet``.
Loading one runs no code from the files: Parquet and JSON are parsed as data, and the JSON is
checked against the schema below before anything is built from it. A checkpoint whose key
differs from the inputs' key (a file's size, time or content changed, or another setting) is
stale: it is not used.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import feather

from weightfit.atomic import atomic_write
from weightfit.data.arrow import Rows
from weightfit.data.panel import SeriesRecords, json_default
from weightfit.errors import ConfigError
from weightfit.evaluate.report import Report
from weightfit.evaluate.summary import Summary, Tally

SCHEMA = 2
SERIES_COLUMNS = ("rows", "start", "end", "test_rows", "test_start")
_FIELDS = {  # report.json: key -> type
    "schema": int,
    "key": str,
    "meta": dict,
    "sources": list,
    "overall": dict,
    "models": list,
    "fitted": list,
    "metrics": list,
    "settings": dict,
    "weights": dict,
}


def fingerprint(path: Any) -> dict[str, Any]:
    """A file's name, size, modification time and SHA-256 of its bytes; for a row range of a
    file (``weightfit.data.arrow.Rows``), the file's, with the range."""
    if isinstance(path, Rows):
        return {**fingerprint(path.path), "rows": [int(path.start), int(path.stop)]}
    p = Path(path)
    stat = p.stat()
    return dict(_hashed(str(p), stat.st_size, stat.st_mtime_ns))


@functools.lru_cache(maxsize=4096)
def _hashed(p: str, size: int, mtime_ns: int) -> dict[str, Any]:
    """Hashed once per run for all the row ranges of one big file."""
    digest = hashlib.sha256()
    with open(p, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return {
        "path": p,
        "size": size,
        "mtime_ns": mtime_ns,
        "sha256": digest.hexdigest(),
    }


def partition_key(files: list[Any], read: dict[str, Any], fit: dict[str, Any]) -> str:
    """What a partition's result depends on: its files' contents and every setting."""
    text = json.dumps(
        [[fingerprint(f) for f in files], read, {k: str(v) for k, v in sorted(fit.items())}],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class Checkpoints:
    """Finished partitions kept in ``folder``, one sub-folder each."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def path(self, index: int) -> Path:
        return self.folder / f"part-{index:05d}"

    def load(self, index: int, key: str, rows: bool = True) -> Report | None:
        """The partition's report, or ``None`` if none is kept or it came from other inputs;
        ``rows=False``: without its rows, even where they were kept (none is read)."""
        path = self.path(index)
        if not (path / "report.json").is_file():
            return None
        try:
            head = json.loads((path / "report.json").read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(head, dict) or head.get("key") != key:
            return None
        return _load(path, head, rows)

    def kept(self, index: int) -> bool:
        """Whether a checkpoint (from any inputs) exists for partition ``index``."""
        return (self.path(index) / "report.json").is_file()

    def save_rows(self, index: int, report: Report) -> Path:
        """Write the partition's forecasts and scores (where a worker fits it); ``save``
        completes the checkpoint. The scores go one row group per model."""
        path = self.path(index)
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        n_series = max(len(report.describe["rows"]), 1)
        _write_parquet(report.forecasts, path / "forecasts.parquet")
        _write_parquet(report.scores, path / "scores.parquet", row_group_size=n_series)
        if report.apart is not None:  # the forecasts set apart (gaps, splits)
            _write_parquet(report.apart, path / "apart.parquet")
        return path

    def save(self, index: int, key: str, report: Report, rows_written: bool = False) -> None:
        """Write the partition's report: its rows too when it kept them (``rows_written``:
        ``save_rows`` wrote them); ``report.json`` last, so a half-written one is absent."""
        path = self.path(index)
        if report.rows_kept:
            self.save_rows(index, report)
        elif not rows_written:
            if path.exists():
                shutil.rmtree(path)
            path.mkdir(parents=True)
        d = report.describe
        series = pd.DataFrame(
            {k: np.asarray(d[k]) for k in SERIES_COLUMNS if k in d}
            | {
                f"w:{name}:{label}": values[:, j]
                for name, (labels, values) in d["weights"].items()
                for j, label in enumerate(labels)
            }
        )
        _write_table(pa.Table.from_pandas(series, preserve_index=False), path / "series.arrow")
        one = report.summary.only  # a partition's own summary, its h-step rows unsummed
        if one is None:
            raise ValueError("a checkpoint holds one partition's report, not a combined one")
        losses = _save_summary(one, path)
        head = {
            "schema": SCHEMA,
            "key": key,
            "rows": bool(report.rows_kept or rows_written),
            "rows_kept": report.rows_kept,
            **_meta(d["meta"]),
            "sources": d.get("sources", []),
            "skipped": d.get("skipped", []),
            "excluded_splits": d.get("excluded_splits", []),
            "overall": report.overall,
            "models": report.models,
            "fitted": report.fitted,
            "metrics": report.metrics,
            "settings": report.settings,
            "weights": {name: list(labels) for name, (labels, _) in d["weights"].items()},
            "forecast_columns": [str(c) for c in report.forecasts.columns],
            "score_columns": [str(c) for c in report.scores.columns],
            "losses": losses,
        }
        text = json.dumps(head, default=json_default)
        atomic_write(path / "report.json", lambda tmp: _write_text(tmp, text))

    def clear(self) -> None:
        """Remove every kept partition, and the folder (and a ``run-*`` folder's parent) if it
        is then empty."""
        if not self.folder.is_dir():
            return
        for p in self.folder.glob("part-*"):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
        with contextlib.suppress(OSError):  # another run may be writing beside this one
            self.folder.rmdir()  # when empty
            if self.folder.name.startswith("run-"):
                self.folder.parent.rmdir()  # when empty


def _write_parquet(frame: pd.DataFrame, path: Path, row_group_size: int | None = None) -> None:
    plain = frame.copy(deep=False)
    plain.attrs = {}

    def write(tmp: Path) -> None:
        plain.to_parquet(tmp, row_group_size=row_group_size)

    atomic_write(path, write)


def _write_table(table: pa.Table, path: Path) -> None:
    """An Arrow IPC file, uncompressed: plain data, written five times faster than Parquet."""
    atomic_write(path, lambda tmp: feather.write_feather(table, tmp, compression="uncompressed"))


def _write_text(path: Path, text: str) -> None:
    path.write_text(text)


def _meta(meta: Any) -> dict[str, Any]:
    """The read record's series for the JSON head: as columns where they are kept so."""
    if isinstance(meta, SeriesRecords):
        return {"meta": {}, "meta_columns": meta.to_columns()}
    return {"meta": meta}


def _load(path: Path, head: dict[str, Any], rows: bool = True) -> Report:
    for name, kind in _FIELDS.items():
        if not isinstance(head.get(name), kind):
            raise ConfigError(
                f"{path / 'report.json'}: not a weightfit checkpoint ({name!r} missing or not "
                f"a {kind.__name__}); delete the folder {path.parent} and run again"
            )
    if head["schema"] != SCHEMA:
        raise ConfigError(
            f"{path}: checkpoint schema {head['schema']}, expected {SCHEMA}; delete "
            f"{path.parent} and run again"
        )
    try:
        series = feather.read_feather(path / "series.arrow")
        summary = _load_summary(path, head)
        kept_rows = bool(head.get("rows_kept", True)) and rows
        if kept_rows:
            forecasts = pd.read_parquet(path / "forecasts.parquet")
            scores = pd.read_parquet(path / "scores.parquet")
            kept = path / "apart.parquet"
            apart = pd.read_parquet(kept) if kept.is_file() else None
        else:  # empty, with the columns the rows had
            forecasts = pd.DataFrame(columns=head.get("forecast_columns", []))
            scores = pd.DataFrame(columns=head.get("score_columns", []))
            apart = None
    except ConfigError:
        raise
    except Exception as e:  # a truncated or foreign file: a user-facing refusal, not a crash
        raise ConfigError(f"{path}: unreadable checkpoint ({e}); delete {path.parent}") from None
    weights = {
        name: (labels, series[[f"w:{name}:{label}" for label in labels]].to_numpy())
        for name, labels in head["weights"].items()
    }
    describe = {
        "meta": SeriesRecords.from_columns(head["meta_columns"])
        if "meta_columns" in head
        else head["meta"],
        "sources": head["sources"],
        "skipped": head.get("skipped", []),
        "weights": weights,
        "excluded_splits": head.get("excluded_splits", []),
        **{k: series[k].to_numpy() for k in SERIES_COLUMNS if k in series},
    }
    return Report(
        forecasts=forecasts,
        scores=scores,
        describe=describe,
        overall=head["overall"],
        models=head["models"],
        fitted=head["fitted"],
        metrics=head["metrics"],
        settings=head["settings"],
        apart=apart,
        tally=Tally([summary]),
        rows_kept=kept_rows,
    )


def _save_summary(s: Summary, path: Path) -> dict[str, Any] | None:
    """The summary's arrays as two Parquet tables; returns its few per-series loss tables as
    lists for the JSON head (None beyond a few series)."""
    columns: dict[str, Any] = {"id": pa.array(s.ids, pa.string())}
    for name, values in s.columns.items():
        for j in range(len(s.models)):
            kind = pa.string() if values.dtype == object else None
            columns[f"{name}|{j}"] = pa.array(values[j], kind)
    for name, values in s.counts.items():
        columns[f"count|{name}"] = pa.array(values)
    _write_table(pa.table(columns), path / "summary.arrow")
    _write_table(pa.table({"date": s.dates, **s.rows}), path / "dates.arrow")
    if s.losses is None:
        return None
    return {uid: x.tolist() for uid, x in s.losses.items()}


def _load_summary(path: Path, head: dict[str, Any]) -> Summary:
    frame = feather.read_feather(path / "summary.arrow")
    rows = feather.read_feather(path / "dates.arrow")
    models = head["models"]
    columns: dict[str, np.ndarray] = {}
    counts: dict[str, np.ndarray] = {}
    for c in frame.columns:
        if c.startswith("count|"):
            counts[c.split("|", 1)[1]] = frame[c].to_numpy()
    for c in frame.columns:
        name, _, j = c.rpartition("|")
        if name and name != "count" and j == "0":
            columns[name] = np.stack([frame[f"{name}|{k}"].to_numpy() for k in range(len(models))])
    losses = head.get("losses")
    return Summary(
        models=models,
        fitted=head["fitted"],
        settings=head["settings"],
        ids=frame["id"].to_numpy(dtype=object),
        columns=columns,
        dates=rows["date"].to_numpy(),
        rows={c: rows[c].to_numpy() for c in rows.columns if c != "date"},
        losses=None
        if losses is None
        else {
            u: np.asarray(x, dtype=float).reshape(len(x), len(models)) for u, x in losses.items()
        },
        counts=counts,
    )
