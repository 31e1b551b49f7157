"""Split detection: false alarms on fat-tailed walks, a crash and the bundled sample; detection
of synthetic splits placed on days that also moved by up to +-20%.

    python benchmarks/splits.py [--series N]

Prints rates; "acted on" means a split of medium or high confidence (adjusted by default).
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from weightfit.data import sample
from weightfit.data.splits import detect

DAYS = 2500
VOL = 0.02  # daily robust volatility


def walk(rng: np.random.Generator, df: float) -> tuple[np.ndarray, np.ndarray]:
    """Student-t log returns (robust SD ``VOL``) and a volume that rises on big moves."""
    t = rng.standard_t(df, DAYS - 1)
    r = t / np.median(np.abs(t)) * 0.6745 * VOL
    volume = 1e6 * np.exp(0.4 * rng.standard_normal(DAYS)) * (1 + 30 * np.abs(np.r_[0, r]))
    return r, volume


DATES = pd.Series(pd.bdate_range("2000-01-03", periods=DAYS))


def run(r: np.ndarray, volume: np.ndarray | None, acted: bool = True) -> list:
    y = 100 * np.exp(np.r_[0, np.cumsum(r)])
    found, _ = detect(y, np.zeros(len(y), dtype=int), DATES, volume)
    return [s for s in found.get(0, []) if s.acted_on or not acted]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=200)
    n = parser.parse_args().series
    rng = np.random.default_rng(0)
    print(f"{n} series of {DAYS} days, robust daily vol {VOL:.0%}")
    for df in (3.0, 4.0):
        for use_volume in (True, False):
            alarms = 0
            for _ in range(n):
                r, v = walk(rng, df)
                alarms += len(run(r, v if use_volume else None))
            rate = alarms / (n * (DAYS - 1)) * 10_000
            what = "with volume" if use_volume else "no volume"
            print(f"false alarms, Student-t df={df:g}, {what}: {rate:.3f} per 10,000 steps")
    for crash in (-0.30, -0.45, -0.55):
        for use_volume in (True, False):
            hits = 0
            for _ in range(n):
                r, v = walk(rng, 4.0)
                d = rng.integers(200, DAYS - 200)
                r[d - 1] = np.log(1 + crash)
                v[d : d + 60] *= np.exp(np.linspace(1.0, 0.0, 60))  # a spike decaying in 60 days
                hits += any(s.row == d for s in run(r, v if use_volume else None))
            what = "with volume" if use_volume else "no volume"
            print(f"crash {crash:+.0%} (no split) flagged, {what}: {hits / n:.1%}")
    msft = sample("msft").attrs["weightfit"]["series"]["MSFT"]["splits"]
    acted = [s for s in msft if s["acted_on"]]
    print(
        f"MSFT sample (adjusted prices): {len(acted)} acted on, {len(msft)} listed: "
        + ", ".join(f"{s['date']} {s['ratio']} {s['confidence']}" for s in msft)
    )
    ratios = [
        (2, "2:1"),
        (3, "3:1"),
        (4, "4:1"),
        (5, "5:1"),
        (10, "10:1"),
        (1 / 10, "1:10"),
        (1 / 5, "1:5"),
        (1.5, "3:2"),
    ]
    for k, name in ratios:
        for use_volume in (True, False):
            hits = right = listed = 0
            for _ in range(n):
                r, v = walk(rng, 4.0)
                d = rng.integers(200, DAYS - 200)
                move = rng.uniform(-0.2, 0.2)
                r[d - 1] = np.log((1 + move) / k)
                v[d:] *= k
                every = [s for s in run(r, v if use_volume else None, False) if s.row == d]
                found = [s for s in every if s.acted_on]
                listed += bool(every)
                hits += bool(found)
                right += bool(found) and found[0].ratio == name
            what = "with volume" if use_volume else "no volume"
            print(
                f"split {name:>5} on a day moving +-20%, {what}: acted on {hits / n:.1%}, "
                f"ratio right {right / n:.1%}, listed (any confidence) {listed / n:.1%}"
            )


if __name__ == "__main__":
    main()
