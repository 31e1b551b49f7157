"""The batched engine equals one fit at a time (the Objective's closed form) and numpy lstsq."""

import numpy as np
import pytest
import torch

import weightfit as wf
from weightfit import linear
from weightfit.models import Affine, AutoRegressive, Scale, Windows
from weightfit.objective import Objective


def ragged(seed=0, lengths=(30, 200, 57, 400, 9)):
    rng = np.random.default_rng(seed)
    values = np.concatenate(
        [(10 + 40 * i) * np.exp(np.cumsum(rng.normal(0, 0.02, n))) for i, n in enumerate(lengths)]
    )
    return values, np.r_[0, np.cumsum(lengths)]


@pytest.mark.parametrize("model", [Scale(), Affine(), AutoRegressive(lags=4)], ids=repr)
@pytest.mark.parametrize("chunk", [linear.CHUNK, 64])  # one block, and many small blocks
def test_fit_many_equals_one_fit_at_a_time(model, chunk, monkeypatch):
    monkeypatch.setattr(linear, "CHUNK", chunk)
    values, offsets = ragged()
    lengths = np.diff(offsets)
    stops = np.stack([lengths - 3, lengths - 2, lengths])  # three cutoffs per series
    got = linear.fit_many(model, values, offsets, stops)
    for g, stop in enumerate(stops):
        data = Windows.from_values(values, offsets, model.window, stop=stop)
        expected = Objective(model, data).optimum  # one batched closed form per stop
        torch.testing.assert_close(got[g], expected, rtol=1e-9, atol=1e-12)
    # oracle: numpy lstsq for one series, one stop
    data = Windows.from_values(values[offsets[3] : offsets[4]], [0, 400], model.window, stop=[398])
    features, offset = model.design(data)
    w, *_ = np.linalg.lstsq(features.numpy(), (data.y - offset).numpy(), rcond=None)
    np.testing.assert_allclose(got[1, 3].numpy(), w, rtol=1e-8)


def test_cross_validation_with_the_engine_equals_searching():
    values, offsets = ragged(lengths=(120, 150, 90))
    import pandas as pd

    df = pd.DataFrame(
        {
            "unique_id": np.repeat(["A", "B", "C"], np.diff(offsets)),
            "ds": np.concatenate(
                [pd.date_range("2020-01-01", periods=n) for n in np.diff(offsets)]
            ),
            "y": values,
        }
    )
    fast = wf.cross_validation(df, ["ar:3"], n_windows=4, search="lstsq")
    slow = wf.cross_validation(df, ["ar:3"], n_windows=4, search="lbfgs")
    # lbfgs stops at its tolerance: equal to the closed form to about 1e-7
    np.testing.assert_allclose(fast["AutoRegressive(3)"], slow["AutoRegressive(3)"], rtol=1e-6)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU on this machine")
def test_fit_many_on_the_gpu_equals_the_cpu():
    values, offsets = ragged()
    stops = np.diff(offsets)[None, :]
    cpu = linear.fit_many(AutoRegressive(4), values, offsets, stops)
    gpu = linear.fit_many(AutoRegressive(4), values, offsets, stops, device="cuda")
    torch.testing.assert_close(gpu.cpu(), cpu, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("lengths", [(50, 50, 50, 50), (30, 200, 57, 400, 9), (80,) * 20 + (33,)])
def test_scale_fit_equals_the_closed_form(lengths):
    values, offsets = ragged(lengths=lengths)
    got = linear.scale_fit(values, offsets)
    expected = Objective(Scale(), Windows.from_values(values, offsets, 1)).optimum[:, 0]
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "model", [Scale(), Affine(), AutoRegressive(lags=5), wf.RandomWalk()], ids=repr
)
def test_linear_map_reproduces_the_design(model):
    values, offsets = ragged()
    data = Windows.from_values(values, offsets, max(model.window, 1))
    a, b = model.linear_map()
    x = torch.cat([data.x, torch.ones(len(data), 1, dtype=data.x.dtype)], 1)
    features, offset = model.design(data)
    torch.testing.assert_close(x @ a, features, rtol=0, atol=1e-12)
    torch.testing.assert_close(x @ b, offset, rtol=0, atol=1e-12)


@pytest.mark.parametrize("model", [Scale(), Affine(), AutoRegressive(lags=5)], ids=repr)
def test_fit_panel_equals_fit_many(model):
    values, offsets = ragged(lengths=(300,) * 7)
    block = values.reshape(7, 300)
    for stop in (300, 290):
        got = linear.fit_panel(model, block, stop)
        data = Windows.from_values(values, offsets, model.window, stop=np.full(7, stop))
        expected = Objective(model, data).optimum  # independent: per-row design, two passes
        torch.testing.assert_close(got, expected, rtol=1e-8, atol=1e-10)
        many = linear.fit_many(model, values, offsets, np.full((1, 7), stop))[0]
        torch.testing.assert_close(many, expected, rtol=1e-8, atol=1e-10)


def test_segment_sum_at_the_edges():
    from weightfit.data.panel import segment_sum

    values = np.arange(1.0, 11.0)
    start = np.array([0, 3, 9, 4, 0])
    stop = np.array([10, 10, 10, 5, 1])
    expected = [values[a:b].sum() for a, b in zip(start, stop, strict=True)]
    np.testing.assert_array_equal(segment_sum(values, start, stop), expected)
