"""``read_prices`` on a 1-million-row Yahoo-style CSV against ``pandas.read_csv`` of it."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._timing import best_of, figure
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


def run(quick: bool = False) -> list[dict]:
    rows = 100_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = yahoo_file(Path(tmp) / "BIG.csv", rows)
        repeat = 2 if quick else 3
        reference = best_of(lambda: pd.read_csv(path), repeat)
        ours = best_of(lambda: read_prices(path), repeat)
        assert len(read_prices(path)) == rows
    return [
        figure(
            f"read_prices, {rows:,}-row Yahoo CSV",
            ours,
            reference,
            "pandas.read_csv",
            rows=rows,
            slowdown=ours / reference,
        )
    ]
