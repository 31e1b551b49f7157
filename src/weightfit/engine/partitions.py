"""Many files, partition by partition: locally, or on a Dask cluster, with the same answer.

A partition is a group of files (in sorted order), or of row ranges of one big Parquet file,
sized by a memory budget; a series is never split. Each one is read and fitted by the
batched engine on its own; their summaries are added in partition order
(``evaluate.summary.Tally``), so the overall verdict is bit for bit that of one run over all
series, here or on a Dask cluster. A run bigger than the budget keeps only the summaries and
the per-series record in memory: its per-series table and forecasts are written, a partition
at a time, to ``output`` and ``forecasts``. Finished partitions are kept on disk as plain data
(``engine.checkpoints``), so an interrupted run resumes where it stopped, and only partitions
whose inputs are unchanged are reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from weightfit.atomic import FrameWriter, write_frame
from weightfit.data import arrow, expand_paths, read_prices
from weightfit.data.read import PARQUET, roles
from weightfit.engine.checkpoints import Checkpoints, partition_key
from weightfit.errors import ConfigError
from weightfit.evaluate.fit import fit
from weightfit.evaluate.report import Report, combine, series_table
from weightfit.evaluate.summary import Tally

RESUME_FOLDER = ".weightfit-resume"

__all__ = [
    "Checkpoints",
    "Interrupted",
    "Progress",
    "check_fit_files",
    "fit_files",
    "memory_budget",
    "partition_key",
    "partitions",
]


@dataclass(frozen=True)
class Progress:
    """Where a partitioned run stands, handed to the ``callback`` after each partition."""

    done: int  # partitions finished (kept ones included)
    total: int
    series: int  # series finished
    rows: int  # prices read
    seconds: float
    reused: int = 0  # partitions taken from checkpoints
    stale: int = 0  # kept partitions recomputed because their inputs changed

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


class Interrupted(Exception):
    """Ctrl-C during a partitioned run: what was finished is kept."""

    def __init__(self, done: int, total: int, folder: Path) -> None:
        self.done, self.total, self.folder = done, total, folder
        super().__init__(f"interrupted after {done} of {total} partitions, kept in {folder}")


ROW_BYTES = 400  # peak memory per price row of read + fit --cv 7 (measured: 320-380 B)
TEXT_ROW_BYTES = 40  # a CSV line of a long file, on disk: to guess its rows from its size
DEFAULT_MEMORY = 1 << 30  # at most 1 GB by default: bigger partitions are no faster


def keep_limit(memory: int | str | None = None) -> int:
    """The price rows a run may hold with its forecasts and scores kept in memory: ``memory``
    when given, else a quarter of the memory available now (not capped as a partition is)."""
    if memory is not None:
        return max(memory_budget(memory) // ROW_BYTES, 1)
    return max(available() // 4 // ROW_BYTES, 1)


def available() -> int:
    """Bytes of memory available now: Linux's ``MemAvailable`` (free memory and the page
    cache it can give back), else the free pages, else (not Linux) 8 GB assumed."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def memory_budget(memory: int | str | None = None) -> int:
    """Bytes a partition may hold at once: ``memory`` (an int, or text such as "2GB",
    "500MB") or, by default, a quarter of the memory available now, at most 1 GB."""
    if memory is None:
        return max(min(available() // 4, DEFAULT_MEMORY), 64 << 20)
    if isinstance(memory, int) and not isinstance(memory, bool):
        value = memory
    else:
        found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*", str(memory), re.I)
        if found is None:
            raise ConfigError(f"Invalid memory: {memory!r} (expected bytes or e.g. 2GB, 500MB)")
        scale = 1024 ** "_KMGT".index(found.group(2).upper() or "_")
        value = int(float(found.group(1)) * scale)
    if value < 1:
        raise ConfigError(f"Invalid memory: {memory!r} (must be positive)")
    return value


def partitions(
    source: Any,
    files_per_partition: int | None = None,
    *,
    memory: int | str | None = None,
    read: dict[str, Any] | None = None,
) -> list[list[Any]]:
    """The units of ``source`` (folder, glob, list) in sorted order, grouped into partitions
    that fit the ``memory`` budget (see ``memory_budget``; ``ROW_BYTES`` a price row).

    A unit is a file, or a row range (``weightfit.data.arrow.Rows``) of a long Parquet file
    too big for one partition, cut at series boundaries: a series is never split. A partition
    holds at most ``files_per_partition`` units when that is given.
    """
    if files_per_partition is not None and (
        isinstance(files_per_partition, bool) or files_per_partition < 1
    ):
        raise ConfigError(
            f"Invalid files_per_partition: {files_per_partition} (must be an integer >= 1)"
        )
    return _plan(source, files_per_partition, memory, read)[0]


def _plan(
    source: Any,
    files_per_partition: int | None,
    memory: int | str | None,
    read: dict[str, Any] | None,
) -> tuple[list[list[Any]], int]:
    """``partitions`` and the rows they hold in all (estimated for text files)."""
    max_rows = max(memory_budget(memory) // ROW_BYTES, 1)
    units: list[tuple[Any, int]] = []  # (unit, rows)
    for f in expand_paths(source):
        units += _units(f, max_rows, dict(read or {}))
    groups: list[list[Any]] = []
    rows = 0
    for unit, n in units:
        full = bool(groups) and len(groups[-1]) >= (files_per_partition or len(units))
        if not groups or rows + n > max_rows or full:
            groups.append([])
            rows = 0
        groups[-1].append(unit)
        rows += n
    return groups, sum(n for _, n in units)


def _units(path: Path, max_rows: int, read: dict[str, Any]) -> list[tuple[Any, int]]:
    """One file as units of work with their (estimated) rows."""
    name = path.name.lower()
    if not name.endswith(PARQUET) or not path.is_file():
        return [(str(path), path.stat().st_size // TEXT_ROW_BYTES if path.is_file() else 0)]
    total = arrow.parquet_rows(path)
    if total <= max_rows:
        return [(str(path), total)]
    cut = arrow.plan(path, _id_column(path, read), max_rows)
    if cut is None:  # rows not grouped by series: the file is one unit
        return [(str(path), total)]
    return [(unit, unit.rows) for unit in cut]


def fit_partition(
    files: list[Any],
    read: dict[str, Any],
    settings: dict[str, Any],
    keep: bool = True,
    rows_to: tuple[str, int] | None = None,
    overall: bool = True,
) -> Report:
    """Read one partition's files (or row ranges) and fit them: the unit of work, anywhere.
    ``keep=False``: return the report without its rows (``Report.without_rows``), after
    writing them to the checkpoint ``rows_to`` (folder, index) when that is given.
    ``overall=False``: no overall verdict (the run adds the partitions' summaries up)."""
    report = fit(read_prices(files, **read), **settings, overall=overall and keep)
    if keep:
        return report
    if rows_to is not None:
        Checkpoints(rows_to[0]).save_rows(rows_to[1], report)
    return report.without_rows()


def fit_files(
    source: Any,
    *,
    read: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    files_per_partition: int | None = None,
    memory: int | str | None = None,
    resume: bool = False,
    folder: str | Path = RESUME_FOLDER,
    dask: str | None = None,
    client: Any = None,
    callback: Callable[[Progress], None] | None = None,
    skip_bad: bool = False,
    keep_rows: bool | None = None,
    output: str | Path | None = None,
    forecasts: str | Path | None = None,
) -> Report:
    """``weightfit.fit`` over price files, partition by partition, as if run at once.

    Args:
        source: a file, folder, glob, or a list of them.
        read: ``read_prices`` options (``price``, ``date``, ``sep``, ...).
        settings: ``weightfit.fit`` options (``model``, ``search``, ``test``, ``cv``, ...).
        files_per_partition: at most this many files (or row ranges) in one partition.
        memory: the budget a partition is sized by: bytes or text ("2GB", "500MB"); default a
            quarter of the memory available, at most 1 GB. A long Parquet file bigger than
            that is read in row ranges, whole series each.
        resume: reuse the partitions a previous run with the same inputs finished.
        folder: where finished partitions are kept while the run lasts, in a sub-folder of
            this run's own (``run_folder``); with a remote Dask cluster and ``output`` or
            ``forecasts``, a folder the workers can write to.
        dask: ``"local"``, ``"local:N"`` or ``"tcp://HOST:PORT"`` to run on a Dask cluster.
        client: a ``dask.distributed.Client`` to use instead of ``dask``.
        callback: called with a ``Progress`` after each partition.
        skip_bad: leave out the files that cannot be read (``read_prices(on_bad="skip")``),
            listed in ``report.read["skipped"]``; default False: one ``DataError`` listing
            them all. A partition whose files are all bad is still an error.
        keep_rows: keep the forecasts and per-series scores in the returned report; default:
            when the input fits ``memory`` (or, not given, a quarter of the memory available).
            Otherwise the report holds the overall verdict, the summaries and the per-series
            record, and its ``forecasts`` and ``scores`` are empty (``Report.without_rows``).
        output: write the per-series table (``Report.to_frame``) here, .csv or .parquet,
            atomically: a partition at a time when the rows are not kept.
        forecasts: write every scored forecast (``Report.forecasts``) here, likewise.

    One file (no Dask, no resume) is fitted directly. Otherwise finished partitions are kept in
    ``folder`` until the run completes, so Ctrl-C raises ``Interrupted`` and loses nothing.
    """
    read, settings = dict(read or {}), dict(settings or {})
    if skip_bad:
        read["on_bad"] = "skip"
    groups, rows = _plan(source, files_per_partition, memory, read)
    keep = keep_rows if keep_rows is not None else rows <= keep_limit(memory)
    one = dask is None and client is None and len(groups) == 1 and len(groups[0]) == 1
    if one and not resume and keep:  # one file that fits: fit it
        report = fit_partition(groups[0], read, settings)
        if callback is not None:
            n = int(report.describe["rows"].sum())
            callback(Progress(1, 1, len(report.describe["rows"]), n, 0.0))
        return _write_kept(report, output, forecasts)
    checkpoints = Checkpoints(run_folder(folder, source, read, settings, files_per_partition))
    if not resume:
        checkpoints.clear()
    write = output is not None or forecasts is not None
    if dask is not None and client is None:
        from weightfit.engine.cluster import connect

        with connect(dask) as connected:
            groups = _shared(source, files_per_partition, memory, read, connected)
            report = run(groups, read, settings, connected, checkpoints, callback, keep, write)
    else:
        if client is not None:
            groups = _shared(source, files_per_partition, memory, read, client)
        report = run(groups, read, settings, client, checkpoints, callback, keep, write)
    if report.rows_kept:
        _write_kept(report, output, forecasts)
    else:
        _write_streamed(report, checkpoints, output, forecasts)
    checkpoints.clear()
    return report


def run_folder(
    folder: str | Path,
    source: Any,
    read: dict[str, Any],
    settings: dict[str, Any],
    files_per_partition: int | None = None,
) -> Path:
    """Where one run keeps its finished partitions: a sub-folder of ``folder`` named by the
    command (sources, reading and fitting settings), so that two runs in one folder never clear
    each other's, and the same command with ``resume`` finds its own."""
    sources = [str(s) for s in (source if isinstance(source, list | tuple) else [source])]
    what = [sources, read, {k: str(v) for k, v in settings.items()}, files_per_partition]
    text = json.dumps(what, sort_keys=True, default=str)
    return Path(folder) / f"run-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def _write_kept(report: Report, output: Any, forecasts: Any) -> Report:
    if output is not None:
        write_frame(report.to_frame(), output)
    if forecasts is not None:
        write_frame(report.forecasts, forecasts)
    return report


def _write_streamed(report: Report, checkpoints: Checkpoints, output: Any, forecasts: Any) -> None:
    """The per-series table and the forecasts of a run that did not keep its rows, from the
    partitions' files, one partition at a time, in the order of a run at once (the table:
    all series of model 1, then model 2, ...; the forecasts: series by series)."""
    if output is None and forecasts is None:
        return
    sizes = report.describe.get("partition_series", [])
    tally = report.tally
    assert tally is not None
    test_rows = np.asarray(report.describe["test_rows"])
    starts = np.r_[0, np.cumsum(sizes)].astype(int)
    if output is not None:
        q = tally.q_values()
        with FrameWriter(output) as writer:
            for j in range(len(report.models)):
                for i, n in enumerate(sizes):
                    block = _model_block(checkpoints.path(i) / "scores.parquet", j, n)
                    a, b = starts[i], starts[i + 1]
                    block["q_value"] = q[j, a:b]
                    writer.write(series_table(block, test_rows[a:b], report.overall,
                                              report.settings))  # fmt: skip
    if forecasts is not None:
        with FrameWriter(forecasts) as writer:
            for i in range(len(sizes)):
                writer.write(pd.read_parquet(checkpoints.path(i) / "forecasts.parquet"))
    where = [str(p) for p in (output, forecasts) if p is not None]
    report.settings["rows_written_to"] = " and ".join(where)


def _model_block(path: Path, j: int, n_series: int) -> pd.DataFrame:
    """Rows ``j * n_series`` to ``(j + 1) * n_series`` of a partition's scores: model j."""
    f = pq.ParquetFile(path)
    if f.metadata.num_row_groups > j and f.metadata.row_group(j).num_rows == n_series:
        ok = all(f.metadata.row_group(k).num_rows == n_series for k in range(j + 1))
        if ok:
            return f.read_row_group(j).to_pandas()
    return f.read().slice(j * n_series, n_series).to_pandas()


def _shared(
    source: Any, files_per_partition: int | None, memory: Any, read: dict[str, Any], client: Any
) -> list[list[Any]]:
    """Partitions for a cluster: the budget is shared by the partitions that run at once (one
    per worker thread) and the client, which holds the summaries of them all (about one
    partition's worth). For a remote cluster, pass each machine's share as ``memory``."""
    threads = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
    share = max(memory_budget(memory) // (max(threads, 1) + 1), 1)
    return partitions(source, files_per_partition, memory=share, read=read)


def _id_column(path: Path, flags: dict[str, Any]) -> str | None:
    """The ticker column ``read_prices`` would pick in a Parquet file (``None``: one series per
    file, or a wide file), decided from the first rows as ``read_prices`` decides."""
    head = next(pq.ParquetFile(path).iter_batches(batch_size=200)).to_pandas()
    if not isinstance(head.index, pd.RangeIndex):
        head = head.reset_index()
    found = roles(
        [str(c) for c in head.columns],
        head,
        price=flags.get("price"),
        date=flags.get("date"),
        id=flags.get("id"),
        where=str(path),
        tickers=None,
    )
    return found.id


def run(
    groups: Sequence[list[str]],
    read: dict[str, Any],
    settings: dict[str, Any],
    client: Any = None,
    checkpoints: Checkpoints | None = None,
    callback: Callable[[Progress], None] | None = None,
    keep: bool = True,
    write: bool = False,
) -> Report:
    """Fit every partition (on ``client``, a dask.distributed Client, or here) and add them up
    in order. ``keep``: the partitions' rows are kept and concatenated; otherwise each
    partition's summary is added as soon as the partitions before it are, its raw rows are
    dropped, and ``write``: its rows go to its checkpoint folder (``checkpoints`` needed)."""
    began = time.perf_counter()
    keys = [partition_key(g, read, settings) for g in groups]
    results: dict[int, Report] = {}
    tally = Tally()
    added = 0  # partitions added to the tally, in order
    stale = 0
    if write and (keep or checkpoints is None):
        write = False  # kept rows are written from memory; without a folder, nowhere
    if checkpoints is not None:
        for i, key in enumerate(keys):
            kept = checkpoints.load(i, key, rows=keep)
            if kept is None:
                stale += checkpoints.kept(i)  # from other inputs
            elif (kept.rows_kept or not keep) and (not write or _has_rows(checkpoints, i)):
                results[i] = kept  # else: the rows this run needs were not kept: fit again
    reused = len(results)
    todo = [i for i in range(len(groups)) if i not in results]
    totals = {
        "series": sum(len(r.describe["rows"]) for r in results.values()),
        "rows": sum(int(r.describe["rows"].sum()) for r in results.values()),
    }

    def add_ready() -> None:
        nonlocal added
        while added in results:
            if not keep:  # fold now; the raw h-step rows are not kept
                report = results[added]
                tally.add(report.summary)
                report.tally = None
            added += 1

    def finished(i: int, report: Report) -> None:
        results[i] = report
        if write and checkpoints is not None and not _has_rows(checkpoints, i):
            raise ConfigError(
                f"the workers wrote no rows to {checkpoints.folder.resolve()}: with a remote "
                "cluster, --output and --forecasts need a folder every worker can write to "
                "(a shared one, given to fit_files as folder=)"
            )
        if checkpoints is not None:
            checkpoints.save(i, keys[i], report, rows_written=write)
        totals["series"] += len(report.describe["rows"])
        totals["rows"] += int(report.describe["rows"].sum())
        add_ready()
        if callback is not None:
            seconds = time.perf_counter() - began
            series, rows = totals["series"], totals["rows"]
            callback(Progress(len(results), len(groups), series, rows, seconds, reused, stale))

    add_ready()
    rows_to = str(checkpoints.folder.resolve()) if (write and checkpoints is not None) else None
    alone = len(groups) == 1  # one partition: its overall verdict is the answer
    try:
        for i, report in _execute(todo, groups, read, settings, client, keep, rows_to, alone):
            finished(i, report)
    except KeyboardInterrupt:
        folder = checkpoints.folder if checkpoints is not None else Path(RESUME_FOLDER)
        raise Interrupted(len(results), len(groups), folder) from None
    parts = [results[i] for i in range(len(groups))]
    if keep:
        return combine(parts)
    report = combine(parts, tally=tally)
    report.describe["partition_series"] = [len(p.describe["rows"]) for p in parts]
    return report


def _has_rows(checkpoints: Checkpoints, i: int) -> bool:
    return (checkpoints.path(i) / "scores.parquet").is_file()


def _execute(
    todo: list[int],
    groups: Sequence[list[str]],
    read: dict[str, Any],
    settings: dict[str, Any],
    client: Any,
    keep: bool,
    rows_to: str | None,
    overall: bool = True,
) -> Iterator[tuple[int, Report]]:
    def task(i: int) -> tuple[Any, ...]:
        where = None if rows_to is None else (rows_to, i)
        return (groups[i], read, settings, keep, where, overall)

    if client is None:
        for i in todo:
            yield i, fit_partition(*task(i))
        return
    from distributed import as_completed

    # one task per partition; pure=False: a partition lost with a worker is run again, once
    futures = {
        client.submit(fit_partition, *task(i), key=f"weightfit-part-{i}", pure=False): i
        for i in todo
    }
    try:
        for future in as_completed(futures):
            i = futures.pop(future)  # released once stored: a late worker loss recomputes nothing
            result = future.result()
            future.release()
            yield i, result
    finally:
        for future in futures:
            future.cancel()


def check_fit_files(
    source: Any,
    read: dict[str, Any],
    settings: dict[str, Any],
    files_per_partition: int | None = None,
    *,
    dask: str | None = None,
    memory: int | str | None = None,
) -> None:
    """Every setting of ``fit_files`` checked before any file is read, each failure a
    ``ConfigError`` with the value and the fix; ``read`` is normalised in place (``sep``).

    >>> check_fit_files("prices.csv", {}, {"model": ["scale"], "cv": -3})
    Traceback (most recent call last):
    ...
    weightfit.errors.ConfigError: Invalid --cv -3: must be an integer >= 1 (e.g. --cv 5)
    """
    from weightfit.data.read import check_reading
    from weightfit.engine.cluster import check_address
    from weightfit.evaluate.cv import get_forecaster
    from weightfit.evaluate.fit import check_settings

    names = ("test", "cv", "h", "max_evaluations", "device", "metrics", "gaps")
    check_settings(**{k: settings[k] for k in names if k in settings})
    where = source if isinstance(source, str) else ", ".join(map(str, source))
    given = {k: read[k] for k in ("sep", "skiprows", "date_format") if k in read}
    read.update(check_reading(**given, where=where))
    if files_per_partition is not None and (
        isinstance(files_per_partition, bool) or files_per_partition < 1
    ):
        raise ConfigError(
            f"Invalid --files-per-partition {files_per_partition}: an integer >= 1 (e.g. 64)"
        )
    if dask is not None:
        check_address(dask)
    if memory is not None:
        memory_budget(memory)  # "2GB", "500MB": anything else is refused now, with the fix
    for spec in settings.get("model", ["scale"]):  # an unknown model fails before any reading
        get_forecaster(spec, settings.get("search", "lstsq"), settings.get("max_evaluations"))
