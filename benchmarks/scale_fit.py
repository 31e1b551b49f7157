"""a) The closed-form ``Scale`` fit over 50 million points, against a numpy sum of the same array
(the machine's memory-read limit): both read every value once."""

from __future__ import annotations

import numpy as np

from benchmarks._timing import best_of, figure
from benchmarks.panels import walks
from weightfit.linear import scale_fit


def run(quick: bool = False) -> list[dict]:
    n_series, length = (1_000, 5_000) if quick else (10_000, 5_000)
    values = walks(n_series, length).ravel()
    offsets = np.arange(0, values.size + 1, length)
    weights = scale_fit(values, offsets)
    x, y = values.reshape(n_series, length)[:3, :-1], values.reshape(n_series, length)[:3, 1:]
    np.testing.assert_allclose(weights[:3], (x * y).sum(1) / (x * x).sum(1), rtol=1e-12)
    t_sum = best_of(lambda: values.sum(), 5)
    t_fit = best_of(lambda: scale_fit(values, offsets), 5)
    points = values.size
    return [
        figure(
            f"Scale closed form, {points / 1e6:.0f}M points ({n_series:,} series)",
            t_fit,
            t_sum,
            "numpy sum of the same array",
            points_per_second=points / t_fit,
            reference_points_per_second=points / t_sum,
        )
    ]
