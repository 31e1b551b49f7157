"""Many files, partition by partition: locally, or on a Dask cluster, with the same answer.

A partition is a fixed group of files (in sorted order). Each one is read and fitted by the
batched engine on its own; the reports are combined in partition order. Because a local run
and a Dask run compute the very same partitions, their results are equal exactly, not merely
close. Finished partitions are kept on disk as plain data (``engine.checkpoints``), so an
interrupted run resumes where it stopped, and only partitions whose inputs are unchanged are
reused.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weightfit.data import expand_paths, read_prices
from weightfit.engine.checkpoints import Checkpoints, partition_key
from weightfit.errors import ConfigError
from weightfit.evaluate.fit import fit
from weightfit.evaluate.report import Report, combine

RESUME_FOLDER = ".weightfit-resume"

__all__ = ["Checkpoints", "Interrupted", "Progress", "fit_files", "partition_key", "partitions"]


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


def partitions(source: Any, files_per_partition: int = 64) -> list[list[str]]:
    """The files of ``source`` (folder, glob, list), in sorted order, in fixed-size groups."""
    if isinstance(files_per_partition, bool) or files_per_partition < 1:
        raise ConfigError(
            f"Invalid files_per_partition: {files_per_partition} (must be an integer >= 1)"
        )
    files = [str(f) for f in expand_paths(source)]
    return [files[i : i + files_per_partition] for i in range(0, len(files), files_per_partition)]


def fit_partition(files: list[str], read: dict[str, Any], settings: dict[str, Any]) -> Report:
    """Read one partition's files and fit them: the unit of work, on any machine."""
    report = fit(read_prices(files, **read), **settings)
    report.series  # noqa: B018  (built here, on the worker, not on the client)
    return report


def fit_files(
    source: Any,
    *,
    read: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    files_per_partition: int = 64,
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
        files_per_partition: files read and fitted together, the unit of parallel work.
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
    groups = partitions(source, files_per_partition)
    alone = len(groups) == 1 and len(groups[0]) == 1 and dask is None and client is None
    if alone and not resume:
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
            report = run(groups, read, settings, connected, checkpoints, callback)
    else:
        report = run(groups, read, settings, client, checkpoints, callback)
    checkpoints.clear()
    return report


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
