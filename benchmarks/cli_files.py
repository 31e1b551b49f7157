"""d) ``weightfit fit FILES --model scale --cv 7 --json --no-record`` end to end, as a user runs
it: a fresh process (``python -m weightfit``), its wall time and the peak resident memory of it
and its children (psutil, polled), on one long Parquet file and on a folder of ``FILES``
Parquet files (the same series), locally and with ``--dask local:2``. The five baselines and
Scale, every series. ``--quick``: the one file only (each run starts Python, torch and pandas).

The reference is the same command on the one file with ``--memory`` large enough that it runs
as a single partition: the ratio says what partitioning costs (or saves). Run sizes with
``python benchmarks/cli_files.py SERIES`` (default 100,000 x 100).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks._timing import figure
from benchmarks.panels import walks

LENGTH = 100
FILES = 100
ROOT = Path(__file__).resolve().parents[1]


def write(folder: Path, n_series: int) -> tuple[Path, Path]:
    """One long file and a folder of ``FILES`` files with the same series, written in blocks."""
    one, many = folder / "one.parquet", folder / "many"
    many.mkdir()
    schema = pa.schema(
        [("unique_id", pa.string()), ("ds", pa.timestamp("ns")), ("y", pa.float64())]
    )
    days = np.array(np.arange(LENGTH), dtype="timedelta64[D]") + np.datetime64("2000-01-03")
    per_file = -(-n_series // FILES)
    with pq.ParquetWriter(one, schema) as writer:
        for f, start in enumerate(range(0, n_series, per_file)):
            count = min(per_file, n_series - start)
            ids = np.repeat([f"S{i:07d}" for i in range(start, start + count)], LENGTH)
            table = pa.table(
                {
                    "unique_id": ids,
                    "ds": np.tile(days, count).astype("datetime64[ns]"),
                    "y": walks(count, LENGTH, seed=f).ravel(),
                },
                schema=schema,
            )
            writer.write_table(table, row_group_size=1 << 20)
            pq.write_table(table, many / f"part{f:03d}.parquet")
    return one, many


def cli(source: Path, *extra: str) -> dict:
    """Wall seconds and peak resident MB of one ``weightfit fit`` in a fresh process: the RSS
    of the process and all its children (Dask's workers too), summed, polled every 20 ms."""
    import psutil

    command = [sys.executable, "-m", "weightfit", "fit", str(source), "--model", "scale"]
    command += ["--cv", "7", "--json", "--no-record", *extra]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        began = time.perf_counter()
        child = subprocess.Popen(
            command,
            stdout=out,
            stderr=err,
            cwd=tempfile.gettempdir(),
            env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
        )
        parent, peak = psutil.Process(child.pid), 0
        while child.poll() is None:
            try:
                tree = [parent, *parent.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree))
            except psutil.Error:  # a process ended while being read
                pass
            time.sleep(0.02)
        seconds = time.perf_counter() - began
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    if child.returncode != 0:
        raise RuntimeError(stderr[-2000:])
    found = json.loads(stdout)
    return {
        "seconds": seconds,
        "peak_mb": peak / 2**20,
        "json_bytes": len(stdout),
        "series": found["overall"]["series"],
        "verdict": found["overall"]["verdict"],
    }


def run(quick: bool = False, n_series: int | None = None) -> list[dict]:
    n_series = n_series or (2_000 if quick else 100_000)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        one, many = write(Path(tmp), n_series)
        runs = {"one Parquet file": cli(one)}
        alone = runs["one Parquet file"]
        if not quick:
            alone = cli(one, "--memory", "64GB")  # one partition: the reference
            runs[f"{FILES} Parquet files"] = cli(many)
            runs["one Parquet file, --dask local:2"] = cli(one, "--dask", "local:2")
        for name, got in runs.items():
            assert got["series"] == alone["series"] == n_series
            assert got["verdict"] == alone["verdict"]  # the same answer, however partitioned
            rows.append(
                figure(
                    f"weightfit fit --model scale --cv 7, {n_series:,} series x {LENGTH}, {name}",
                    got["seconds"],
                    alone["seconds"],
                    "the same command as one partition (--memory 64GB)",
                    peak_resident_mb=got["peak_mb"],
                    reference_peak_resident_mb=alone["peak_mb"],
                    json_bytes=got["json_bytes"],
                )
            )
    return rows


if __name__ == "__main__":
    for row in run(n_series=int(sys.argv[1]) if len(sys.argv) > 1 else None):
        print(json.dumps(row))
