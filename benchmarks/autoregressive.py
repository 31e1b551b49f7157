"""c) ``AutoRegressive(lags=5)`` on 10,000 series of 500 points, against statsforecast's
``AutoRegressive(lags=5, method="CSS")`` (its default, CSS-ML, fails on some random walks);
weightfit's next-step predictions must equal numpy lstsq's.

statsforecast runs on a subset (its cost per series is flat); compared in series per second.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from benchmarks._timing import figure
from benchmarks.panels import long_frame, walks
from weightfit.linear import fit_many
from weightfit.models import AutoRegressive, Windows


def ours(prices: np.ndarray) -> np.ndarray:
    """Fit every series, then predict the step after its last price."""
    n_series, length = prices.shape
    model = AutoRegressive(lags=5)
    offsets = np.arange(0, prices.size + 1, length)
    weights = fit_many(model, prices.ravel(), offsets, np.full((1, n_series), length))[0]
    x = torch.as_tensor(prices[:, -5:])
    data = Windows(x, x[:, -1], torch.arange(n_series), n_series)
    with torch.no_grad():
        return model.predict(data, weights).numpy()


def run(quick: bool = False) -> list[dict]:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoRegressive as SFAutoRegressive

    n_series = 2_000 if quick else 10_000
    subset = 20 if quick else 100
    prices = walks(n_series, 500)
    began = time.perf_counter()
    predictions = ours(prices)
    t_ours = time.perf_counter() - began
    for s in range(5):  # oracle: numpy lstsq on the 5 last prices, no intercept
        windows = np.lib.stride_tricks.sliding_window_view(prices[s, :-1], 5)
        beta, *_ = np.linalg.lstsq(windows, prices[s, 5:], rcond=None)
        np.testing.assert_allclose(predictions[s], prices[s, -5:] @ beta, rtol=1e-9)
    df = long_frame(prices[:subset])
    # method="CSS" (conditional least squares): the default CSS-ML fails on some random walks
    sf = StatsForecast(models=[SFAutoRegressive(lags=5, method="CSS")], freq="B", n_jobs=-1)
    sf.forecast(df=df.iloc[:1000], h=1)  # warm
    began = time.perf_counter()
    sf.forecast(df=df, h=1)
    t_ref = time.perf_counter() - began
    return [
        figure(
            f"AutoRegressive(5), {n_series:,} series x 500 (per series)",
            t_ours / n_series,
            t_ref / subset,
            f"statsforecast AutoRegressive(lags=5), all cores ({subset} series)",
            ours_total_seconds=t_ours,
        )
    ]
