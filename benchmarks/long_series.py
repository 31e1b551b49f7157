"""One long series: ``wf.fit`` on 10 million daily prices (a random walk) takes seconds, not
minutes: every baseline and measure is linear in the series' length (cumulative sums).

    python benchmarks/long_series.py [--rows N]

Prints one row: rows, seconds, rows per second.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def long_series(rows: int, seed: int = 0) -> pd.DataFrame:
    """A positive random walk of ``rows`` prices, one per minute from 2000-01-01."""
    rng = np.random.default_rng(seed)
    y = 100 * np.exp(np.cumsum(rng.normal(0, 1e-3, rows)))
    ds = pd.date_range("2000-01-01", periods=rows, freq="min")
    return pd.DataFrame({"unique_id": "long", "ds": ds, "y": y})


def main() -> None:
    import weightfit as wf

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    rows = parser.parse_args().rows
    frame = long_series(rows)
    wf.fit(long_series(1_000), "scale", test=0.2)  # warm-up: imports and first calls untimed
    began = time.perf_counter()
    report = wf.fit(frame, "scale", test=0.2)
    seconds = time.perf_counter() - began
    assert len(report.forecasts) == round(0.2 * rows)
    print(f"long_series rows={rows:,} seconds={seconds:.2f} rows/s={rows / seconds:,.0f}")


if __name__ == "__main__":
    main()
