"""``linear.scale_fit`` split across threads: the same weights, bit for bit, as one thread."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from weightfit import linear


def panel(lengths: list[int], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated positive random walks of the given lengths, and their offsets."""
    rng = np.random.default_rng(seed)
    offsets = np.r_[0, np.cumsum(lengths)]
    values = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, offsets[-1])))
    return values, offsets


LAYOUTS = {
    "one run": [100] * 1000,
    "three runs": [100] * 300 + [37] * 200 + [250] * 500,
    "long series": [20_000] * 10,
    "fewer series than threads": [5_000] * 2,
}


@pytest.mark.parametrize("lengths", LAYOUTS.values(), ids=LAYOUTS.keys())
@pytest.mark.parametrize("threads", [2, 3, 7])
def test_threads_give_the_same_weights_bit_for_bit(monkeypatch, lengths, threads):
    values, offsets = panel(lengths)
    one = linear.scale_fit(values, offsets, threads=1)
    monkeypatch.setattr(linear, "THREADED_VALUES", 0)  # thread even these small panels
    many = linear.scale_fit(values, offsets, threads=threads)
    np.testing.assert_array_equal(many, one)
    # oracle: the textbook formula, in numpy, one series at a time
    expected = [
        np.dot(values[a : b - 1], values[a + 1 : b]) / np.dot(values[a : b - 1], values[a : b - 1])
        for a, b in itertools.pairwise(offsets)
    ]
    np.testing.assert_allclose(many, expected, rtol=1e-12)


def test_every_thread_is_used_and_each_series_written_once(monkeypatch):
    values, offsets = panel([100] * 300 + [37] * 200 + [250] * 500)
    calls = []
    original = linear._scale_series

    def spy(values, offsets, runs, first, stop, out):
        calls.append((first, stop))
        original(values, offsets, runs, first, stop, out)

    monkeypatch.setattr(linear, "_scale_series", spy)
    monkeypatch.setattr(linear, "THREADED_VALUES", 0)
    linear.scale_fit(values, offsets, threads=3)
    assert len(calls) == 3
    assert [c[0] for c in calls[1:]] == [c[1] for c in calls[:-1]]  # contiguous, no overlap
    assert calls[0][0] == 0 and calls[-1][1] == 1000


def test_small_panels_stay_on_one_thread(monkeypatch):
    values, offsets = panel([100] * 100)
    calls = []
    original = linear._scale_series

    def spy(*args):
        calls.append(args)
        original(*args)

    monkeypatch.setattr(linear, "_scale_series", spy)
    linear.scale_fit(values, offsets, threads=2)  # 10,000 values < THREADED_VALUES
    assert len(calls) == 1
