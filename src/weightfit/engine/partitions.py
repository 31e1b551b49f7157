"""Many files, partition by partition: locally, or on a Dask cluster, with the same answer.

A partition is a group of files (in sorted order), or of row ranges of one big Parquet file,
sized by a memory budget; a series is never split. Each one is read and fitted by the
batched engine on its own; the reports are combined in partition order. Because a local run
and a Dask run compute the very same partitions, their results are equal exactly, not merely
close. Finished partitions are kept on disk as plain data (``engine.checkpoints``), so an
interrupted run resumes where it stopped, and only partitions whose inputs are unchanged are
reused.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from weightfit.data import arrow, expand_paths, read_prices
from weightfit.data.read import PARQUET, roles
from weightfit.engine.checkpoints import Checkpoints, partition_key
from weightfit.errors import ConfigError
from weightfit.evaluate.fit import fit
from weightfit.evaluate.report import Report, combine

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


def memory_budget(memory: int | str | None = None) -> int:
    """Bytes a partitioned run may hold at once: ``memory`` (an int, or text such as "2GB",
    "500MB") or, by default, a quarter of the memory available now."""
    if memory is None:
        try:
            free = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):  # not Linux: assume 8 GB
            free = 8 << 30
        return max(int(free) // 4, 64 << 20)
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
    return groups


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


def fit_partition(files: list[Any], read: dict[str, Any], settings: dict[str, Any]) -> Report:
    """Read one partition's files (or row ranges) and fit them: the unit of work, anywhere."""
    return fit(read_prices(files, **read), **settings)


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
) -> Report:
    """``weightfit.fit`` over price files, partition by partition, as if run at once.

    Args:
        source: a file, folder, glob, or a list of them.
        read: ``read_prices`` options (``price``, ``date``, ``sep``, ...).
        settings: ``weightfit.fit`` options (``model``, ``search``, ``test``, ``cv``, ...).
        files_per_partition: at most this many files (or row ranges) in one partition.
        memory: the budget a partition is sized by: bytes or text ("2GB", "500MB"); default a
            quarter of the memory available. A long Parquet file bigger than that is read in
            row ranges, whole series each.
        resume: reuse the partitions a previous run with the same inputs finished.
        folder: where finished partitions are kept while the run lasts.
        dask: ``"local"``, ``"local:N"`` or ``"tcp://HOST:PORT"`` to run on a Dask cluster.
        client: a ``dask.distributed.Client`` to use instead of ``dask``.
        callback: called with a ``Progress`` after each partition.
        skip_bad: leave out the files that cannot be read (``read_prices(on_bad="skip")``),
            listed in ``report.read["skipped"]``; default False: one ``DataError`` listing
            them all. A partition whose files are all bad is still an error.

    One file (no Dask, no resume) is fitted directly. Otherwise finished partitions are kept in
    ``folder`` until the run completes, so Ctrl-C raises ``Interrupted`` and loses nothing.
    """
    read, settings = dict(read or {}), dict(settings or {})
    if skip_bad:
        read["on_bad"] = "skip"
    if dask is None and client is None:
        groups = partitions(source, files_per_partition, memory=memory, read=read)
        if len(groups) == 1 and len(groups[0]) == 1 and not resume:  # one file: fit it
            report = fit_partition(groups[0], read, settings)
            if callback is not None:
                rows = int(report.describe["rows"].sum())
                callback(Progress(1, 1, len(report.describe["rows"]), rows, 0.0))
            return report
    checkpoints = Checkpoints(folder)
    if not resume:
        checkpoints.clear()
    if dask is not None and client is None:
        from weightfit.engine.cluster import connect

        with connect(dask) as connected:
            groups = _shared(source, files_per_partition, memory, read, connected)
            report = run(groups, read, settings, connected, checkpoints, callback)
    else:
        if client is not None:
            groups = _shared(source, files_per_partition, memory, read, client)
        report = run(groups, read, settings, client, checkpoints, callback)
    checkpoints.clear()
    return report


def _shared(
    source: Any, files_per_partition: int | None, memory: Any, read: dict[str, Any], client: Any
) -> list[list[Any]]:
    """Partitions for a cluster: the budget is shared by the partitions that run at once (one
    per worker thread; for a remote cluster, pass each machine's share as ``memory``)."""
    threads = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
    share = max(memory_budget(memory) // max(threads, 1), 1)
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
) -> Report:
    """Fit every partition (on ``client``, a dask.distributed Client, or here) and combine."""
    began = time.perf_counter()
    keys = [partition_key(g, read, settings) for g in groups]
    results: dict[int, Report] = {}
    stale = 0
    if checkpoints is not None:
        for i, key in enumerate(keys):
            kept = checkpoints.load(i, key)
            if kept is not None:
                results[i] = kept
            elif checkpoints.kept(i):
                stale += 1
    reused = len(results)
    todo = [i for i in range(len(groups)) if i not in results]
    totals = {
        "series": sum(len(r.describe["rows"]) for r in results.values()),
        "rows": sum(int(r.describe["rows"].sum()) for r in results.values()),
    }

    def finished(i: int, report: Report) -> None:
        results[i] = report
        if checkpoints is not None:
            checkpoints.save(i, keys[i], report)
        totals["series"] += len(report.describe["rows"])
        totals["rows"] += int(report.describe["rows"].sum())
        if callback is not None:
            seconds = time.perf_counter() - began
            series, rows = totals["series"], totals["rows"]
            callback(Progress(len(results), len(groups), series, rows, seconds, reused, stale))

    try:
        for i, report in _execute(todo, groups, read, settings, client):
            finished(i, report)
    except KeyboardInterrupt:
        folder = checkpoints.folder if checkpoints is not None else Path(RESUME_FOLDER)
        raise Interrupted(len(results), len(groups), folder) from None
    return combine([results[i] for i in range(len(groups))])


def _execute(
    todo: list[int],
    groups: Sequence[list[str]],
    read: dict[str, Any],
    settings: dict[str, Any],
    client: Any,
) -> Iterator[tuple[int, Report]]:
    if client is None:
        for i in todo:
            yield i, fit_partition(groups[i], read, settings)
        return
    from distributed import as_completed

    # one task per partition; pure=False: a partition lost with a worker is run again, once
    futures = {
        client.submit(
            fit_partition, groups[i], read, settings, key=f"weightfit-part-{i}", pure=False
        ): i
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
