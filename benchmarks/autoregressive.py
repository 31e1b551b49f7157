"""c) ``AutoRegressive(lags=5)`` through the public search path,
``minimize(Objective(AutoRegressive(5), Windows.from_values(...)), w, "lstsq")``, then
one next-step forecast per series, against statsforecast's ``AutoRegressive(lags=5,
method="CSS")`` forecasting the same series (its default, CSS-ML, fails on some random walks).

The two are different estimators (statsforecast fits an AR(5) with a mean by conditional sum of
squares; weightfit, least squares on the 5 last prices without intercept), so the forecasts are
compared and their largest relative difference is reported, not asserted; weightfit's must
equal numpy lstsq's. Both run on the same series, with the same warm-up and repeats.
"""

from __future__ import annotations

import os

import numpy as np
import torch

import weightfit as wf
from benchmarks._timing import figure, threads, timed
from benchmarks.panels import long_frame, walks
from weightfit.models import AutoRegressive, Windows


def ours(prices: np.ndarray) -> np.ndarray:
    """Fit every series (public API), then predict the step after its last price."""
    n_series, length = prices.shape
    model = AutoRegressive(lags=5)
    offsets = np.arange(0, prices.size + 1, length)
    objective = wf.Objective(model, Windows.from_values(prices.ravel(), offsets, 5))
    start = model.initial_weights(n_series)
    weights = wf.minimize(objective, start, "lstsq", history=False).weights
    x = torch.as_tensor(prices[:, -5:])
    data = Windows(x, x[:, -1], torch.arange(n_series), n_series)
    with torch.no_grad():
        return model.predict(data, weights).numpy()


def run(quick: bool = False) -> list[dict]:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoRegressive as SFAutoRegressive

    n_series = 20 if quick else 1_000
    prices = walks(n_series, 500)
    predictions = ours(prices)
    for s in range(5):  # oracle: numpy lstsq on the 5 last prices, no intercept
        windows = np.lib.stride_tricks.sliding_window_view(prices[s, :-1], 5)
        beta, *_ = np.linalg.lstsq(windows, prices[s, 5:], rcond=None)
        np.testing.assert_allclose(predictions[s], prices[s, -5:] @ beta, rtol=1e-9)
    df = long_frame(prices)
    sf = StatsForecast(models=[SFAutoRegressive(lags=5, method="CSS")], freq="B", n_jobs=-1)
    theirs = sf.forecast(df=df, h=1).sort_values("unique_id")["AutoRegressive"].to_numpy()
    t_ref = timed(lambda: sf.forecast(df=df, h=1), 2)
    t_ours = timed(lambda: ours(prices), 2)
    return [
        figure(
            f"AutoRegressive(5) fit + 1-step forecast, {n_series:,} series x 500, both sides",
            t_ours,
            t_ref,
            "statsforecast AutoRegressive(lags=5, CSS), all cores, same series",
            series=n_series,
            threads=threads()["torch"],
            reference_processes=os.cpu_count(),
            forecast_median_relative_difference=float(np.median(np.abs(predictions / theirs - 1))),
            forecast_max_relative_difference=float(np.max(np.abs(predictions / theirs - 1))),
        )
    ]
