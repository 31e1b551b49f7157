"""The run store: every fit kept, with what it ran on, so that runs can be listed and compared.

One SQLite database (WAL journal, a busy timeout: several processes record at once and lose
nothing) holds one row per run: time, command line, weightfit version, git commit, a
fingerprint of the data, the read record, all settings, the overall tests and verdict and the
leaderboard. The bulk, every forecast and every per-series measure, goes into Parquet files in
a folder beside the database that the row points at: at 100,000 series SQLite would spend
seconds on rows that Parquet writes in a fraction of that (measured in the README).

Recording is two short transactions around the file writes: the row goes in marked
incomplete, the files are written (each atomically), then the row is marked complete. A run
killed half-way leaves an incomplete row (listed as such, removed by ``delete``), never a
broken database.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weightfit.data.panel import json_default
from weightfit.errors import ConfigError
from weightfit.evaluate.report import Report
from weightfit.runs.fingerprint import fingerprint, git_commit, report_fingerprint, run_starts
from weightfit.runs.schema import migrate

DEFAULT_PATH = Path(".weightfit") / "runs.sqlite"
ENVIRONMENT = "WEIGHTFIT_RUNS"
MAX_LISTED = 50  # notes and warnings kept in a run's row; all of them are in read.json
_JSON = ("models", "fitted", "metrics", "settings", "read", "overall", "leaderboard")


def store_path(path: str | Path | None = None) -> Path:
    """Where the store lives: ``path``, else ``$WEIGHTFIT_RUNS``, else
    ``.weightfit/runs.sqlite`` in the working directory."""
    return Path(path or os.environ.get(ENVIRONMENT) or DEFAULT_PATH)


@dataclass(frozen=True)
class Run:
    """One recorded run, as listed: everything but the bulk (forecasts, per-series measures)."""

    id: int
    time: str  # ISO 8601, UTC
    kind: str  # "fit" or "search"
    command: str
    version: str
    git_commit: str | None
    fingerprint: str
    fingerprint_of: str  # "data" (the long frame) or "forecasts" (what the report kept)
    n_series: int
    n_forecasts: int
    models: list[str]
    fitted: list[str]
    metrics: list[str]
    settings: dict[str, Any]
    read: dict[str, Any]  # the read record's sources: format, notes, drops, warnings
    overall: dict[str, Any]
    leaderboard: list[dict[str, Any]]  # one record per model: mean of each measure
    complete: bool
    data_dir: str | None  # relative to the database's folder

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Store:
    """A run store at ``path`` (see ``store_path``), created and migrated on first use.

    >>> import tempfile, weightfit as wf
    >>> from weightfit.data import sample
    >>> with tempfile.TemporaryDirectory() as tmp, Store(f"{tmp}/runs.sqlite") as store:
    ...     frame = sample("msft")
    ...     run = store.record(wf.fit(frame, "scale"), data=frame)
    ...     [r.id for r in store.runs()], store.forecasts(run.id).shape[0]
    ([1], 1596)
    """

    def __init__(self, path: str | Path | None = None, *, timeout: float = 60.0) -> None:
        self.path = store_path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we open our own transactions, BEGIN IMMEDIATE, so that two
        # writers queue on the busy timeout instead of failing on a lock upgrade
        self.con = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        self.con.row_factory = sqlite3.Row
        self.con.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        self.con.execute("PRAGMA journal_mode = WAL")
        self.con.execute("PRAGMA synchronous = NORMAL")  # WAL: durable at checkpoints, never torn
        self.con.execute("PRAGMA foreign_keys = ON")
        migrate(self.con)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        self.con.execute("BEGIN IMMEDIATE")
        try:
            yield self.con
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    # -- recording ---------------------------------------------------------------------------

    def record(
        self, report: Any, *, data: pd.DataFrame | None = None, command: str | None = None
    ) -> Run:
        """Keep a ``wf.Report``: its forecasts, per-series measures, tests and verdicts.

        Args:
            report: what ``wf.fit`` returned.
            data: the long frame it was fitted on (default None). With it, the fingerprint
                hashes the data itself and the read record's sources are kept; without it, the
                fingerprint hashes what the report keeps (series lengths, dates, targets).
            command: the command line (default: this process's ``sys.argv``).
        """
        d = report.describe
        ids = report.summary.ids().astype(str)
        series = pd.DataFrame(
            {
                "unique_id": ids,
                "rows": d["rows"],
                "start": pd.to_datetime(d["start"]),
                "end": pd.to_datetime(d["end"]),
                "test_rows": d["test_rows"],
            }
        )
        weights = {
            f"weight:{name}:{label}": np.asarray(values)[:, j]
            for name, (labels, values) in d["weights"].items()
            for j, label in enumerate(labels)
        }
        series = pd.concat([series, pd.DataFrame(weights)], axis=1)
        cols = [*report.metrics, "skill", "p_value"]
        if report.rows_kept:
            table = report.scores.groupby("model", sort=False)[list(dict.fromkeys(cols))].mean()
            table = table.loc[[n for n in report.models if n in table.index]]
        else:  # a run too big to keep its rows: the means the summary holds
            means = report.summary.means()
            p = report.summary.column("p_value").astype(float)
            table = pd.DataFrame(
                [
                    {c: means[n].get(c) for c in cols[:-1]}
                    | {"p_value": np.nanmean(p[j]) if np.isfinite(p[j]).any() else np.nan}
                    for j, n in enumerate(report.models)
                ],
                index=pd.Index(report.models, name="model"),
            )
        sources = (
            data.attrs.get("weightfit", {}).get("sources", [])
            if data is not None
            else d.get("sources", [])
        )
        kind = "forecasts" if report.rows_kept else "series"
        run_id = self._insert(
            kind="fit",
            command=command,
            fingerprint=fingerprint(data) if data is not None else report_fingerprint(report),
            fingerprint_of="data" if data is not None else kind,
            n_series=len(ids),
            n_forecasts=int(report.summary.count("scored").sum()),
            models=list(report.models),
            fitted=list(report.fitted),
            metrics=list(report.metrics),
            settings=report.settings,
            read=read_summary(sources, d["meta"]),
            overall=report.overall,
            leaderboard=_records(table.reset_index()),
        )
        folder = f"{self.path.name}.d/run-{run_id:06d}"
        parts = {"series": series}
        if report.rows_kept:  # a big run's rows went to --output and --forecasts, not here
            parts |= {"forecasts": report.forecasts, "scores": report.scores}
        for name, frame in parts.items():
            _write_parquet(frame, self.path.parent / folder / f"{name}.parquet")
        read = json.dumps({"sources": sources, "series": d["meta"]}, default=json_default)
        _write_atomic(self.path.parent / folder / "read.json", read.encode())
        with self._write() as con:
            con.execute("UPDATE runs SET complete = 1, data_dir = ? WHERE id = ?", (folder, run_id))
        return self.get(run_id)

    def record_search(
        self,
        table: pd.DataFrame,
        settings: dict[str, Any],
        *,
        data: pd.DataFrame | None = None,
        command: str | None = None,
    ) -> Run:
        """Keep a strategy comparison (``weightfit search``): its table, one row per strategy,
        goes in as the leaderboard. Such a run has no forecasts, so it lists but never
        compares."""
        frame = data if data is not None else pd.DataFrame(columns=["unique_id", "ds", "y"])
        meta = frame.attrs.get("weightfit", {})
        run_id = self._insert(
            kind="search",
            command=command,
            fingerprint=fingerprint(frame),
            fingerprint_of="data",
            n_series=int(frame["unique_id"].nunique()),
            n_forecasts=0,
            models=[str(settings.get("model", ""))],
            fitted=[],
            metrics=[],
            settings=settings,
            read=read_summary(meta.get("sources", []), meta.get("series", {})),
            overall={},
            leaderboard=_records(table),
        )
        with self._write() as con:
            con.execute("UPDATE runs SET complete = 1 WHERE id = ?", (run_id,))
        return self.get(run_id)

    def _insert(self, *, command: str | None, **fields: Any) -> int:
        row = {
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": command if command is not None else shlex.join(sys.argv),
            "version": _version(),
            "git_commit": git_commit(),
            "complete": 0,
            **{k: json.dumps(v, default=str) if k in _JSON else v for k, v in fields.items()},
        }
        names = ", ".join(row)
        marks = ", ".join("?" * len(row))
        with self._write() as con:
            cursor = con.execute(f"INSERT INTO runs ({names}) VALUES ({marks})", list(row.values()))
        assert cursor.lastrowid is not None
        return int(cursor.lastrowid)

    # -- reading -----------------------------------------------------------------------------

    def runs(self, *, data: str | None = None, model: str | None = None) -> list[Run]:
        """The runs, newest first. ``data``: a fingerprint prefix; ``model``: runs that
        evaluated a model of that name (either default None: no filter)."""
        rows = self.con.execute(
            "SELECT * FROM runs WHERE substr(fingerprint, 1, ?) = ? ORDER BY id DESC",
            (len(data or ""), data or ""),
        )
        found = [_run(r) for r in rows]
        if model is not None:
            found = [r for r in found if model.lower() in (m.lower() for m in r.models)]
        return found

    def get(self, run_id: int | str) -> Run:
        """One run by id; ``ConfigError`` naming the known ids when there is none."""
        row = self.con.execute("SELECT * FROM runs WHERE id = ?", (_id(run_id),)).fetchone()
        if row is None:
            known = [r[0] for r in self.con.execute("SELECT id FROM runs ORDER BY id DESC")]
            hint = f"the latest are {', '.join(map(str, known[:5]))}" if known else "it is empty"
            raise ConfigError(f"no run {run_id} in {self.path} ({hint}); see `weightfit runs list`")
        return _run(row)

    def forecasts(self, run_id: int | str) -> pd.DataFrame:
        """The run's forecasts in the cross-validation layout: unique_id, ds, cutoff, y, one
        column per model."""
        run = self._complete(run_id)
        if run.data_dir is None:  # recorded at schema version 1: the losses table
            long = pd.read_sql_query(
                "SELECT unique_id, ds, cutoff, model, y, y_hat FROM losses WHERE run_id = ?",
                self.con,
                params=(run.id,),
                parse_dates=["ds", "cutoff"],
            )
            keys = ["unique_id", "ds", "cutoff"]
            wide = long.pivot_table(index=[*keys, "y"], columns="model", values="y_hat")
            wide = wide.reset_index().rename_axis(columns=None)
            return wide[[*keys, "y", *[m for m in run.models if m in wide.columns]]]
        return self._part(run, "forecasts")

    def losses(self, run_id: int | str) -> pd.DataFrame:
        """Every forecast, long: unique_id, ds, cutoff, model, y, y_hat, squared error."""
        run = self.get(run_id)
        wide = self.forecasts(run_id)
        keys = ["unique_id", "ds", "cutoff", "y"]
        models = [m for m in run.models if m in wide.columns]
        long = wide.melt(id_vars=keys, value_vars=models, var_name="model", value_name="y_hat")
        long["loss"] = (long["y"] - long["y_hat"]) ** 2
        return long[["unique_id", "ds", "cutoff", "model", "y", "y_hat", "loss"]]

    def scores(self, run_id: int | str) -> pd.DataFrame:
        """One row per (series, model): measures, DM statistic, p values and status."""
        return self._part(self._complete(run_id), "scores")

    def report(self, run_id: int | str) -> Any:
        """The run as a ``wf.Report`` again, for the renderers (weights included)."""
        run = self._complete(run_id)
        if run.data_dir is None:
            raise ConfigError(
                f"run {run.id} was recorded by an older weightfit that kept no per-series "
                "record; only `runs show` and `runs compare` can use it"
            )
        series = self._part(run, "series")
        weights: dict[str, tuple[list[str], list[np.ndarray]]] = {}
        for col in series.columns:
            if col.startswith("weight:"):
                _, name, label = col.split(":", 2)
                labels, values = weights.get(name, ([], []))
                weights[name] = ([*labels, label], [*values, series[col].to_numpy()])
        describe = {
            "meta": self.read_record(run.id)["series"],
            "weights": {n: (lab, np.stack(v, axis=1)) for n, (lab, v) in weights.items()},
            "rows": series["rows"].to_numpy(),
            "start": series["start"].to_numpy(),
            "end": series["end"].to_numpy(),
            "test_rows": series["test_rows"].to_numpy(),
        }
        return Report(
            forecasts=self.forecasts(run.id),
            scores=self.scores(run.id),
            describe=describe,
            overall=run.overall,
            models=run.models,
            fitted=run.fitted,
            metrics=run.metrics,
            settings=run.settings,
        )

    def read_record(self, run_id: int | str) -> dict[str, Any]:
        """What was read, in full: ``{"sources": [...], "series": {id: {...}}}`` as
        ``read_prices`` put it in ``frame.attrs["weightfit"]`` (sources only when the run was
        recorded with its data)."""
        run = self._complete(run_id)
        if run.data_dir is None:
            return {"sources": [], "series": {}}
        path = self.path.parent / run.data_dir / "read.json"
        record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return record

    def delete(self, run_id: int | str) -> Run:
        """Remove a run, its rows and its files (an incomplete one too)."""
        run = self.get(run_id)
        with self._write() as con:
            con.execute("DELETE FROM losses WHERE run_id = ?", (run.id,))
            con.execute("DELETE FROM runs WHERE id = ?", (run.id,))
        folder = self.path.parent / f"{self.path.name}.d/run-{run.id:06d}"
        shutil.rmtree(folder, ignore_errors=True)
        return run

    def _complete(self, run_id: int | str) -> Run:
        run = self.get(run_id)
        if not run.complete:
            raise ConfigError(
                f"run {run.id} is incomplete (killed while recording); `weightfit runs delete "
                f"{run.id}` removes it"
            )
        if run.kind != "fit":
            raise ConfigError(f"run {run.id} is a {run.kind} run: it kept no forecasts")
        return run

    def _part(self, run: Run, name: str) -> pd.DataFrame:
        assert run.data_dir is not None
        path = self.path.parent / run.data_dir / f"{name}.parquet"
        if not path.exists() and run.fingerprint_of == "series":
            raise ConfigError(
                f"run {run.id} ({run.n_series:,} series) was too big to keep its forecasts "
                "and per-series scores in the store; they were written to its --output and "
                "--forecasts files"
            )
        if not path.exists():
            raise ConfigError(f"run {run.id}: {path} is missing; the store was moved in part")
        frame = pd.read_parquet(path)
        for col in frame.columns:
            if isinstance(frame[col].dtype, pd.CategoricalDtype):
                frame[col] = frame[col].astype(object)
        return frame


def record(
    report: Any,
    path: str | Path | None = None,
    *,
    data: pd.DataFrame | None = None,
    command: str | None = None,
) -> Run:
    """Record ``report`` in the store at ``path`` (default ``store_path()``): the one call a
    script needs. See ``Store.record`` for ``data`` and ``command``."""
    with Store(path) as store:
        return store.record(report, data=data, command=command)


def read_summary(sources: list[dict[str, Any]], series: dict[str, Any]) -> dict[str, Any]:
    """A short account of what was read, kept in the run's row (the full record is in the
    run's ``read.json``): files and formats, drops, notes and the first warnings."""
    formats: dict[str, int] = {}
    dropped: dict[str, int] = {}
    for s in sources:
        formats[str(s.get("format"))] = formats.get(str(s.get("format")), 0) + 1
        for reason, count in (s.get("dropped") or {}).items():
            dropped[reason] = dropped.get(reason, 0) + int(count)
    notes = [f"{s.get('source')}: {n}" for s in sources for n in s.get("notes", [])]
    notes += [f"{u}: {n}" for u, info in series.items() for n in info.get("notes", [])]
    warnings = [f"{s.get('source')}: {w}" for s in sources for w in s.get("warnings", [])]
    return {
        "files": len(sources),
        "formats": formats,
        "dropped": dropped,
        "notes": notes[:MAX_LISTED],
        "notes_total": len(notes),
        "warnings": warnings[:MAX_LISTED],
        "warnings_total": len(warnings),
    }


def _version() -> str:
    try:
        return metadata.version("weightfit")
    except metadata.PackageNotFoundError:
        return "unknown"


def _run(row: sqlite3.Row) -> Run:
    values = {k: row[k] for k in row.keys()}  # noqa: SIM118  (a Row is not a mapping)
    for k in _JSON:
        values[k] = json.loads(values[k])
    values["complete"] = bool(values["complete"])
    return Run(**values)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready records: NaN becomes None."""
    return [
        {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
        for r in frame.astype(object).to_dict("records")
    ]


def _id(run_id: int | str) -> int:
    try:
        return int(run_id)
    except ValueError:
        msg = f"Invalid run id {run_id!r}: expected a number, as `runs list` shows"
        raise ConfigError(msg) from None


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """A frame to Parquet, atomically: a temporary file beside ``path``, then a rename."""
    plain = frame.copy(deep=False)
    plain.attrs = {}
    for col in plain.columns:  # text as dictionaries: 3x faster to write, and smaller
        if plain[col].dtype == object:
            values = plain[col].to_numpy()
            plain[col] = _categories(values) if col == "unique_id" else pd.Categorical(values)
    _write_atomic(path, lambda tmp: plain.to_parquet(tmp, index=False))


def _categories(uid: np.ndarray) -> pd.Categorical:
    """Ids as a categorical, built by comparisons rather than a hash of every string when the
    layout allows: each id's rows together (forecasts), or one block of ids repeated per
    model (scores)."""
    starts = run_starts(uid)
    if len(set(uid[starts])) == len(starts):
        codes = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(uid)]))
        return pd.Categorical.from_codes(codes, categories=uid[starts])
    period = int(np.flatnonzero(uid == uid[0])[1])
    block = uid[:period]
    if (
        len(uid) % period == 0
        and len(set(block)) == period
        and bool((uid == np.tile(block, len(uid) // period)).all())
    ):
        return pd.Categorical.from_codes(np.tile(np.arange(period), len(uid) // period), block)
    return pd.Categorical(uid)


def _write_atomic(path: Path, content: bytes | Callable[[str], None]) -> None:
    """Bytes, or whatever ``content(tmp)`` writes, to ``path`` through a temporary file beside
    it and a rename: a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if isinstance(content, bytes):
            with os.fdopen(fd, "wb") as f:
                f.write(content)
        else:
            os.close(fd)
            content(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
