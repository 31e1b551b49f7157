"""Many files, partition by partition: locally, or on a Dask cluster, with the same answer.

A partition is a fixed group of files (in sorted order). Each one is read and fitted by the
batched engine on its own; the reports are combined in partition order. Because a local run
and a Dask run compute the very same partitions, their results are equal exactly, not merely
close. Finished partitions can be kept on disk, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weightfit.data.read import _expand
from weightfit.errors import ConfigError
from weightfit.evaluate.report import Report, combine
from weightfit.report.files import atomic_write


@dataclass(frozen=True)
class Progress:
    done: int  # partitions finished
    total: int
    series: int  # series finished
    rows: int  # prices read
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def partitions(source: Any, files_per_partition: int = 64) -> list[list[str]]:
    """The files of ``source`` (folder, glob, list), in sorted order, in fixed-size groups."""
    if files_per_partition < 1:
        raise ConfigError(f"Invalid files_per_partition: {files_per_partition} (must be >= 1)")
    files = [str(f) for f in _expand(source)]
    return [files[i : i + files_per_partition] for i in range(0, len(files), files_per_partition)]


def fit_partition(files: list[str], read: dict[str, Any], fit: dict[str, Any]) -> Report:
    """Read one partition's files and fit them: the unit of work, on any machine."""
    from weightfit.data import read_prices
    from weightfit.evaluate.report import fit as run_fit

    frame = read_prices(files, **read)
    report = run_fit(frame, **fit)
    report.series  # noqa: B018  (built here, on the worker, not on the client)
    return report


def _key(files: list[str], read: dict[str, Any], fit: dict[str, Any]) -> str:
    text = json.dumps([files, read, {k: str(v) for k, v in fit.items()}], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Checkpoints:
    """Finished partitions, one pickle each in ``folder``, named by what produced them."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def path(self, index: int, key: str) -> Path:
        return self.folder / f"part-{index:05d}-{key}.pkl"

    def load(self, index: int, key: str) -> Report | None:
        path = self.path(index, key)
        if not path.exists():
            return None
        with path.open("rb") as f:
            report: Report = pickle.load(f)
        return report

    def save(self, index: int, key: str, report: Report) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path(index, key), lambda tmp: _dump(tmp, report))

    def clear(self) -> None:
        for p in self.folder.glob("part-*.pkl"):
            p.unlink()
        if self.folder.exists() and not any(self.folder.iterdir()):
            self.folder.rmdir()


def _dump(path: Path, report: Report) -> None:
    path.write_bytes(pickle.dumps(report))


class Interrupted(Exception):
    """Ctrl-C during a partitioned run: what was finished is kept."""

    def __init__(self, done: int, total: int, folder: Path | None) -> None:
        self.done, self.total, self.folder = done, total, folder
        kept = f"kept in {folder}" if folder else "not kept (pass --resume to keep them)"
        super().__init__(f"interrupted after {done} of {total} partitions, {kept}")


def run(
    groups: Sequence[list[str]],
    read: dict[str, Any],
    fit: dict[str, Any],
    *,
    client: Any = None,
    checkpoints: Checkpoints | None = None,
    callback: Callable[[Progress], None] | None = None,
) -> Report:
    """Fit every partition (on ``client``, a dask.distributed Client, or here) and combine."""
    began = time.perf_counter()
    keys = [_key(g, read, fit) for g in groups]
    results: dict[int, Report] = {}
    if checkpoints is not None:
        for i, key in enumerate(keys):
            kept = checkpoints.load(i, key)
            if kept is not None:
                results[i] = kept
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
            callback(
                Progress(
                    len(results),
                    len(groups),
                    totals["series"],
                    totals["rows"],
                    time.perf_counter() - began,
                )
            )

    try:
        for i, report in _execute(todo, groups, read, fit, client):
            finished(i, report)
    except KeyboardInterrupt:
        folder = checkpoints.folder if checkpoints else None
        raise Interrupted(len(results), len(groups), folder) from None
    return combine([results[i] for i in range(len(groups))])


def _execute(
    todo: list[int],
    groups: Sequence[list[str]],
    read: dict[str, Any],
    fit: dict[str, Any],
    client: Any,
) -> Iterator[tuple[int, Report]]:
    if client is None:
        for i in todo:
            yield i, fit_partition(groups[i], read, fit)
        return
    from distributed import as_completed

    # one task per partition; pure=False: a partition lost with a worker is run again, once
    futures = {
        client.submit(fit_partition, groups[i], read, fit, key=f"weightfit-part-{i}", pure=False): i
        for i in todo
    }
    try:
        for future in as_completed(futures):
            yield futures[future], future.result()
    finally:
        for future in futures:
            future.cancel()
