"""Fuzzing ``read_prices``: generated text and byte-mutated copies of the test corpus either
read into a valid frame (sorted per series, positive prices, every row accounted for in the
record) or raise ``DataError``; any other exception is a bug.

``make fuzz`` runs this for minutes: ``WF_FUZZ_EXAMPLES`` raises the number of examples.
"""

import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weightfit.data import read_prices
from weightfit.errors import DataError

from . import test_read_formats as corpus
from .test_read_health import SHIFTED, WIDE

EXAMPLES = int(os.environ.get("WF_FUZZ_EXAMPLES", "40"))
FILES = [v for k, v in vars(corpus).items() if k.isupper() and isinstance(v, str) and "\n" in v]
FILES += [SHIFTED, WIDE]
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CELLS = st.sampled_from(
    [
        "2024-01-02",
        "2024-01-03",
        "03.01.2024",
        "1/2/2024",
        "20240102",
        "Date",
        "Close",
        "AAPL",
        "12.5",
        "1,5",
        "-3",
        "0",
        "",
        "NaN",
        "1e308",
        "Volume",
        "High",
        "Low",
        "Open",
        "09:30",
        "1704153600",
        "\u00e9",
        ";;",
        '"',
        "x",
    ]
)


def _check(frame):
    assert list(frame.columns) == ["unique_id", "ds", "y"]
    y = frame.y.to_numpy()
    assert np.isfinite(y).all() and (y > 0).all()
    for _, part in frame.groupby("unique_id", sort=False):
        assert part.ds.is_monotonic_increasing and part.ds.is_unique
    for rec in frame.attrs["weightfit"]["sources"]:
        if rec["layout"] != "wide":
            mine = [
                u
                for u, s in frame.attrs["weightfit"]["series"].items()
                if s["source"] == rec["source"]
            ]
            rows = int(frame.unique_id.isin(mine).sum())
            assert rec["rows_read"] == rows + sum(rec["dropped"].values()), rec


def _read(tmp_path, data: bytes):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    try:
        frame = read_prices(path)
    except DataError as e:
        assert "\n" not in str(e)
        return
    _check(frame)


@SETTINGS
@given(
    st.lists(st.lists(CELLS, min_size=1, max_size=6), min_size=1, max_size=12),
    st.sampled_from([",", ";", "\t"]),
)
def test_generated_text(tmp_path, rows, sep):
    _read(tmp_path, "\n".join(sep.join(r) for r in rows).encode("utf-8"))


@SETTINGS
@given(
    st.sampled_from(FILES),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6),
)
def test_mutated_corpus(tmp_path, text, edits):
    data = bytearray(text.encode("utf-8"))
    for at, byte in edits:
        data[at % len(data)] = byte
    _read(tmp_path, bytes(data))
