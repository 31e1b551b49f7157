"""Seeded synthetic panels: geometric random walks, one row per business day."""

from __future__ import annotations

import numpy as np
import pandas as pd


def walks(n_series: int, length: int, seed: int = 0) -> np.ndarray:
    """(n_series, length) prices, each a geometric random walk from a different level."""
    rng = np.random.default_rng(seed)
    level = np.exp(rng.uniform(np.log(5), np.log(500), (n_series, 1)))
    return level * np.exp(np.cumsum(rng.normal(0.0002, 0.015, (n_series, length)), axis=1))


def long_frame(prices: np.ndarray) -> pd.DataFrame:
    """The long ``unique_id, ds, y`` frame of a (series, time) array, sorted."""
    n_series, length = prices.shape
    width = len(str(n_series))
    ids = np.array([f"S{i:0{width}d}" for i in range(n_series)])
    days = pd.bdate_range("2000-01-03", periods=length).values
    return pd.DataFrame(
        {"unique_id": np.repeat(ids, length), "ds": np.tile(days, n_series), "y": prices.ravel()}
    )
