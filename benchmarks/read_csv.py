"""c) ``read_prices`` on a 1-million-row Yahoo-style CSV against ``pandas.read_csv`` with the
dates parsed (``parse_dates``, ISO format given) and against ``pyarrow.csv.read_csv``
(timestamps parsed by Arrow, its own threads): the same file, the same result columns, the same
warm-up and repeats. Issue 11's targets: at most 1.0x pandas' time (ratio >= 1) and within 2x
of pyarrow's (ratio >= 0.5)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from benchmarks._timing import figure, peak_mb, target, threads, timed
from weightfit.data import read_prices


def yahoo_file(path: Path, rows: int, seed: int = 0) -> Path:
    """A seeded geometric random walk in Yahoo's intraday layout, one row an hour."""
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, rows)))
    frame = pd.DataFrame(
        {
            "Datetime": pd.date_range("1900-01-01", periods=rows, freq="h").strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "Open": close * 0.999,
            "High": close * 1.01,
            "Low": close * 0.99,
            "Close": close,
            "Adj Close": close * 0.98,
            "Volume": rng.integers(1_000, 1_000_000, rows),
        }
    )
    frame.to_csv(path, index=False, float_format="%.4f")
    return path


def with_pandas(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, parse_dates=["Datetime"], date_format="%Y-%m-%d %H:%M:%S")


def with_arrow(path: Path) -> object:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    options = pacsv.ConvertOptions(column_types={"Datetime": pa.timestamp("ns")})
    return pacsv.read_csv(path, convert_options=options)


def run(quick: bool = False) -> list[dict]:
    rows = 100_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = yahoo_file(Path(tmp) / "BIG.csv", rows)
        repeat = 3
        t_pandas = timed(lambda: with_pandas(path), repeat)
        t_arrow = timed(lambda: with_arrow(path), repeat)
        t_ours = timed(lambda: read_prices(path), repeat)
        ours, oracle = read_prices(path), with_pandas(path)
        small = yahoo_file(Path(tmp) / "SMALL.csv", 1000)
        setup = (
            "from weightfit.data import read_prices\n"
            "from benchmarks.read_csv import with_pandas, with_arrow"
        )
        peaks = {  # each side once more in a fresh process: the memory the call adds
            name: peak_mb(setup, f"{fn}({str(small)!r})", f"{fn}({str(path)!r})")
            for name, fn in (("ours", "read_prices"), ("pandas", "with_pandas"),
                             ("arrow", "with_arrow"))
        }  # fmt: skip
        np.testing.assert_array_equal(ours["ds"].to_numpy(), oracle["Datetime"].to_numpy())
        np.testing.assert_array_equal(ours["y"].to_numpy(), oracle["Adj Close"].to_numpy())
    return [
        figure(
            f"read_prices, {rows:,}-row Yahoo CSV",
            t_ours,
            t_pandas,
            "pandas.read_csv with parse_dates",
            rows=rows,
            peak_added_mb=peaks["ours"],
            reference_peak_added_mb=peaks["pandas"],
            targets=[target(f"(c) read_prices vs pandas, {rows:,} rows", t_pandas / t_ours, 1.0)],
        ),
        figure(
            f"read_prices, {rows:,}-row Yahoo CSV",
            t_ours,
            t_arrow,
            "pyarrow.csv.read_csv with timestamps",
            rows=rows,
            peak_added_mb=peaks["ours"],
            reference_peak_added_mb=peaks["arrow"],
            arrow_threads=pa.cpu_count(),
            threads=threads()["torch"],
            targets=[target(f"(c) read_prices vs pyarrow, {rows:,} rows", t_arrow / t_ours, 0.5)],
        ),
    ]
