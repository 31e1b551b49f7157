"""d) The closed-form ``Scale`` fit (``weightfit.linear.scale_fit``, the engine's batched fit)
over 50 million points, against the machine's memory-read limit measured with the same threads:
a numpy sum of the same array split across ``THREADS`` threads (numpy releases the GIL), where
``THREADS`` is the ``torch.get_num_threads()`` that ``scale_fit`` splits its series across
(every core here). Both read every value once; the target is a ratio of 0.8 or more. The
one-thread fit is reported too. Also the public search path,
``minimize(Objective(Scale(), Windows.from_values(...)), w, "lstsq")``, against the engine's
batched fit."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

import weightfit as wf
from benchmarks._timing import figure, target, timed
from benchmarks.panels import walks
from weightfit.linear import scale_fit
from weightfit.models.windows import Windows

THREADS = torch.get_num_threads()  # what scale_fit uses by default


def threaded_sum(values: np.ndarray, pool: ThreadPoolExecutor, n: int) -> float:
    """The array's sum, one contiguous slice per thread: the memory-read limit."""
    bounds = np.linspace(0, values.size, n + 1).astype(int)
    return sum(pool.map(lambda i: values[bounds[i] : bounds[i + 1]].sum(), range(n)))


def public(values: np.ndarray, offsets: np.ndarray, n_series: int) -> np.ndarray:
    objective = wf.Objective(wf.Scale(), Windows.from_values(values, offsets, 1))
    start = np.ones((n_series, 1))
    return wf.minimize(objective, start, "lstsq", history=False).weights[:, 0].numpy()


def run(quick: bool = False) -> list[dict]:
    n_series, length = (1_000, 5_000) if quick else (10_000, 5_000)
    values = walks(n_series, length).ravel()
    offsets = np.arange(0, values.size + 1, length)
    weights = scale_fit(values, offsets)
    x, y = values.reshape(n_series, length)[:, :-1], values.reshape(n_series, length)[:, 1:]
    # oracle: the textbook formula, in numpy
    np.testing.assert_allclose(weights, (x * y).sum(1) / (x * x).sum(1), rtol=1e-12)
    np.testing.assert_allclose(public(values, offsets, n_series), weights, rtol=1e-12)
    assert np.array_equal(scale_fit(values, offsets, threads=1), weights)  # bit for bit
    repeat = 20  # calls of 10-50 ms: the best of many is the least disturbed by other work
    with ThreadPoolExecutor(THREADS) as pool:
        t_sum = timed(lambda: threaded_sum(values, pool, THREADS), repeat)
    t_fit = timed(lambda: scale_fit(values, offsets), repeat)
    t_one = timed(lambda: scale_fit(values, offsets, threads=1), repeat)
    t_public = timed(lambda: public(values, offsets, n_series), repeat)
    points = values.size
    return [
        figure(
            f"Scale closed form (engine), {points / 1e6:.0f}M points ({n_series:,} series)",
            t_fit,
            t_sum,
            f"numpy sum of the same array, {THREADS} threads (memory-read limit)",
            threads=THREADS,
            points_per_second=points / t_fit,
            reference_points_per_second=points / t_sum,
            one_thread_seconds=t_one,
            targets=[
                target(
                    f"(d) Scale closed form / memory-read limit, {points / 1e6:.0f}M points",
                    t_sum / t_fit,
                    0.8,
                )
            ],
        ),
        figure(
            f"minimize(Objective(Scale(), Windows), 'lstsq'), {points / 1e6:.0f}M points",
            t_public,
            t_fit,
            "the engine's batched fit (scale_fit), same weights",
            points_per_second=points / t_public,
        ),
    ]
