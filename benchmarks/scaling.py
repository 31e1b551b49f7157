"""d) Scaling: rows per second from 1 million to 100 million points, the data streamed from
Parquet one row group at a time (each group holds whole series), with bounded memory. Each size
runs in a fresh process so that its peak resident memory is its own; the reference is the
smallest size's rows per second."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks._timing import figure

LENGTH = 1_000  # points per series
GROUP = 1_000  # series per row group: 1 million points


def write(path: Path, points: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from benchmarks.panels import walks

    schema = pa.schema([("unique_id", pa.int32()), ("y", pa.float64())])
    with pq.ParquetWriter(path, schema) as writer:
        for g in range(points // (LENGTH * GROUP)):
            prices = walks(GROUP, LENGTH, seed=g)
            ids = np.repeat(np.arange(g * GROUP, (g + 1) * GROUP, dtype=np.int32), LENGTH)
            writer.write_table(pa.table({"unique_id": ids, "y": prices.ravel()}, schema=schema))


def _peak_mb() -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stream(path: str, repeat: int = 3) -> dict:
    """Fit Scale to every series, one row group at a time: one warm-up pass, then the best of
    ``repeat``; and the peak resident memory of the passes (the high-water mark is reset after
    the imports, which a fork inherits from its parent)."""
    import pyarrow.parquet as pq

    from weightfit.linear import scale_fit

    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM (Linux)
    best = float("inf")
    for i in range(repeat + 1):
        began = time.perf_counter()
        rows = 0
        checksum = 0.0
        f = pq.ParquetFile(path)
        for g in range(f.num_row_groups):
            table = f.read_row_group(g, columns=["unique_id", "y"])
            ids = table.column("unique_id").to_numpy()
            values = table.column("y").to_numpy()
            offsets = np.r_[np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]), len(ids)]
            checksum += float(scale_fit(values, offsets).sum())
            rows += len(values)
        if i:  # the first pass warms the allocator and the page cache
            best = min(best, time.perf_counter() - began)
    peak_mb = _peak_mb()
    return {"rows": rows, "seconds": best, "peak_mb": peak_mb, "checksum": checksum}


def run(quick: bool = False) -> list[dict]:
    sizes = [1_000_000, 10_000_000] if quick else [1_000_000, 10_000_000, 100_000_000]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for points in sizes:
            path = Path(tmp) / f"p{points}.parquet"
            write(path, points)
            code = (
                f"import json, sys; sys.path.insert(0, {str(Path(__file__).parents[1])!r}); "
                f"from benchmarks.scaling import stream; "
                f"print(json.dumps(stream({str(path)!r}, {max(3, 30_000_000 // points)})))"
            )
            done = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            )
            results[points] = json.loads(done.stdout.strip().splitlines()[-1])
            path.unlink()
        base = results[sizes[0]]
        for points in sizes:
            r = results[points]
            out.append(
                figure(
                    f"streamed Scale fit, {points / 1e6:.0f}M points (rows/s vs 1M)",
                    r["seconds"] / r["rows"],
                    base["seconds"] / base["rows"],
                    "the same fit on 1M points",
                    rows_per_second=r["rows"] / r["seconds"],
                    peak_resident_mb=r["peak_mb"],
                )
            )
    return out
