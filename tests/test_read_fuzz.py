"""Fuzzing ``read_prices``: generated text and byte-mutated copies of the test corpus either
read into a valid frame (sorted per series, positive prices, every row accounted for in the
record) or raise ``DataError``; any other exception is a bug.

``make fuzz`` runs this for minutes: ``WF_FUZZ_BATCHES`` batches, each in its own process with
``WF_FUZZ_EXAMPLES`` examples per test and its own seed, so that a crash (pandas' C parser has
died with SIGSEGV on a number with a huge exponent) or a hang (a batch over its time limit) is a
failure that names the input, rather than the end of the run.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weightfit.data import read_prices
from weightfit.errors import DataError

from . import test_read_formats as corpus
from .test_read_health import SHIFTED, WIDE

EXAMPLES = int(os.environ.get("WF_FUZZ_EXAMPLES", "40"))
BATCHES = int(os.environ.get("WF_FUZZ_BATCHES", "0"))  # 0: run in this process
LAST = os.environ.get("WF_FUZZ_LAST")  # where a batch writes the input it is about to read
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
        "1e3086712159",  # crashed pandas' C tokenizer (SIGSEGV)
        "-1E-99999999",
        "\x1b[2J",
        "\ufeff",
        "\x00",
        "[red]x[/red]",
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
    if LAST:  # the parent names this input if the process dies on it
        Path(LAST).write_bytes(data)
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


@pytest.mark.skipif(not BATCHES, reason="make fuzz: WF_FUZZ_BATCHES=N runs N batches")
@pytest.mark.parametrize("batch", range(BATCHES))
def test_batch_in_its_own_process(tmp_path, batch):
    """One batch of both fuzz tests in a subprocess: an exception other than DataError, a
    crash (a signal) or a hang (past the time limit) fails, naming the last input."""
    last = tmp_path / "last-input"
    env = {**os.environ, "WF_FUZZ_BATCHES": "0", "WF_FUZZ_LAST": str(last)}
    args = [sys.executable, "-m", "pytest", __file__, "-q", "-x", "-p", "no:cacheprovider"]
    args += ["-k", "generated_text or mutated_corpus", f"--hypothesis-seed={batch}"]
    limit = 120 + 0.5 * EXAMPLES
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        pytest.fail(f"batch {batch}: a hang (over {limit:.0f} s) on {_input(last)}")
    if done.returncode < 0:
        pytest.fail(f"batch {batch}: a crash (signal {-done.returncode}) on {_input(last)}")
    assert done.returncode == 0, f"batch {batch}: {done.stdout[-3000:]}"


def _input(path):
    return repr(path.read_bytes()[:300]) if path.exists() else "no input yet"
