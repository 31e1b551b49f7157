"""The read record's per-series entries as columns (built on access), and the vectorised
medians behind split detection, against eager oracles."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from weightfit.data import read_prices
from weightfit.data.panel import Joined, SeriesRecords, json_default
from weightfit.data.splits import segment_median


def test_segment_median_equals_pandas_groupby_median_on_both_paths():
    rng = np.random.default_rng(3)
    for lengths in ([5, 1, 4, 4, 7], [2, 900, 1, 3]):  # padded sort; one long series: lexsort
        codes = np.repeat(np.arange(len(lengths)), lengths)
        x = np.abs(rng.standard_normal(len(codes)))
        n = len(lengths) + 1  # the last code has no values: 0
        oracle = pd.Series(x).groupby(codes).median().reindex(range(n)).fillna(0.0)  # oracle
        np.testing.assert_array_equal(segment_median(x, codes, n), oracle.to_numpy())


def test_entries_are_dicts_on_access_and_json_as_dicts(tmp_path):
    rows = ["ticker,date,close"]
    days = pd.date_range("2024-01-01", periods=30).strftime("%Y-%m-%d")
    rows += [f"a,{d},{100 + i}" for i, d in enumerate(days)]
    rows += [f"b,{d},{50 + i if i < 15 else (50 + i) / 5}" for i, d in enumerate(days)]  # 5:1
    rows += [f"c,{d},{20 + i}" for i, d in enumerate(days[::-1])]  # newest first
    rows.insert(5, "a,2024-02-10,")  # a missing price: dropped and counted
    path = tmp_path / "p.csv"
    path.write_text("\n".join(rows) + "\n")
    record = read_prices(path).attrs["weightfit"]
    series = record["series"]
    assert isinstance(series, SeriesRecords) and list(series) == ["a", "b", "c"]
    assert series["a"]["dropped"] == {"missing price": 1} and series["b"]["dropped"] == {}
    assert series["b"]["splits"][0]["ratio"] == "5:1" and series["b"]["warnings"]
    assert "newest first" in series["c"]["notes"][0] and series["a"]["notes"] == []
    assert series["a"]["rows"] == 30 and series["c"]["start"] == "2024-01-01"
    series["a"]["notes"].append("mine")  # an entry is built once: an edit stays ...
    assert series["a"]["notes"] == ["mine"] and series["c"]["splits"] == []  # ... and is its own
    back = json.loads(json.dumps(record, default=json_default))
    assert back["series"] == {u: json.loads(json.dumps(series[u])) for u in series}
    assert list(back["series"]["b"]) == list(series["b"])  # the same keys, in the same order


def test_joined_reads_parts_in_order_without_copying():
    one = SeriesRecords(["a", "b"], {"rows": [1, 2]}, {}, {})
    two = SeriesRecords(["c"], {"rows": [3]}, {}, {})
    both = Joined([Joined([one]), two])
    assert list(both) == ["a", "b", "c"] and len(both) == 3
    assert both["c"] == {"rows": 3} and both["b"] is one["b"] and "z" not in both
    assert dict(both.items()) == {"a": {"rows": 1}, "b": {"rows": 2}, "c": {"rows": 3}}
