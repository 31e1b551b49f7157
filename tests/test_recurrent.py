"""LSTM and GRU: torch's own modules as the oracle, naive at the start, trained by the gradient
searches (full batch, minibatches, a validation tail), and fitted through ``wf.fit``."""

import numpy as np
import pytest
import torch

import weightfit as wf
from weightfit.data import sample
from weightfit.models import GRU, LSTM, AutoRegressive, Windows, get_model
from weightfit.objective import Objective
from weightfit.search import Gradient

RECURRENT = {"lstm": LSTM, "gru": GRU}
# the gradient rows of the strategies x models table (tests/test_search.py), for networks
GRADIENT = {
    "adam": lambda: Gradient(optimizer="adam", lr=0.01, epochs=150, patience=None),
    "adam-minibatch": lambda: Gradient(
        optimizer="adam", lr=0.02, epochs=40, batch_size=16, patience=None, seed=3
    ),
    "adam-validation": lambda: Gradient(
        optimizer="adam", lr=0.02, epochs=80, batch_size=16, patience=20, validation=0.25
    ),
    "rmsprop": lambda: Gradient(optimizer="rmsprop", lr=0.003, epochs=150, patience=None),
}


def problem(seed=0, n=40, lags=4):
    """Two series whose next price follows their last two moves (a learnable AR rule)."""
    rng = np.random.default_rng(seed)
    x = np.exp(np.cumsum(rng.normal(0, 0.02, (2 * n, lags)), 1)) * 50
    y = x[:, -1] * (1 + 0.6 * (x[:, -1] / x[:, -2] - 1)) + rng.normal(0, 0.05, 2 * n)
    return Windows.from_pairs(x, y, np.repeat([0, 1], n))


@pytest.mark.parametrize("name", list(RECURRENT))
def test_equals_torch_modules(name):
    # oracle: torch.nn.LSTM / torch.nn.GRU with the same weights, run on the scaled window
    data = problem()
    model = RECURRENT[name](lags=4, hidden=5)
    gen = torch.Generator().manual_seed(1)
    w = model.initial_weights(2) + 0.2 * torch.randn(2, model.n_weights, generator=gen).double()
    got = model.predict(data, w)
    for s in range(2):
        rows = data.series == s
        x = data.x[rows]
        rnn, head = model.to_torch(w[s])
        out, _ = rnn((x / x[:, -1:] - 1)[..., None])
        expected = x[:, -1] * (1 + head(out[:, -1])[:, 0])
        torch.testing.assert_close(got[rows], expected, rtol=1e-12, atol=1e-12)
    stacked = model.predict(data, torch.stack([w, w * 0.5]))  # (C, S, k) candidates
    assert torch.equal(stacked[0], got)


@pytest.mark.parametrize("name", list(RECURRENT))
def test_fresh_model_is_naive_exactly(name):
    data = problem()
    model = get_model(f"{name}:4")
    assert torch.equal(model.predict(data, model.initial_weights(2)), data.x[:, -1])
    assert torch.equal(model(Windows(data.x, data.y, data.series * 0, 1)), data.x[:, -1])


@pytest.mark.parametrize("strategy", list(GRADIENT))
@pytest.mark.parametrize("name", list(RECURRENT))
def test_gradient_searches_train_it(name, strategy):
    data = problem()
    model = RECURRENT[name](lags=4, hidden=4)
    objective = Objective(model, data)
    start = model.initial_weights(2)
    fit = wf.minimize(objective, start, GRADIENT[strategy](), max_evaluations=20_000)
    naive = objective(start)
    best_ar = Objective(AutoRegressive(4), data).stats.residual / 40  # the linear optimum
    assert (objective(fit.weights) < naive).all()
    assert (objective(fit.weights) < naive - 0.3 * (naive - best_ar)).all()


def test_validation_tail_is_the_last_rows_of_each_series():
    from weightfit.objective import validation_tail

    series = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2])
    train, valid = validation_tail(series, 0.25)
    assert valid.tolist() == [3, 8, 9]  # 1 of 4 rows, 2 of 6 (1.5 rounded), none of 1
    assert sorted(train.tolist() + valid.tolist()) == list(range(11))
    assert 10 in train.tolist()  # a one-row series keeps its row for training


def test_seeded_minibatch_training_repeats_exactly():
    data = problem()
    model = LSTM(lags=4, hidden=4)
    runs = [
        wf.minimize(Objective(model, data), model.initial_weights(2), GRADIENT["adam-minibatch"]())
        for _ in range(2)
    ]
    assert torch.equal(runs[0].weights, runs[1].weights)


def test_fit_runs_lstm_like_every_model():
    prices = sample("msft").tail(160)
    search = Gradient(optimizer="adam", epochs=6, batch_size=32, validation=0.2, patience=3)
    report = wf.fit(prices, ["lstm:5", "gru:5"], search, test=0.1)
    assert report.fitted == ["LSTM(5)", "GRU(5)"]
    entry = report.series[0]
    assert "naive" in entry["verdict"]
    assert {"LSTM(5)", "GRU(5)"} <= set(entry["models"])
    assert report.forecasts["LSTM(5)"].notna().all()
    assert wf.fit(prices, ["lstm:10"], "adam", test=0.1, max_evaluations=8).fitted == ["LSTM(10)"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: LSTM(lags=1), "Invalid lags: 1"),
        (lambda: GRU(hidden=0), "Invalid hidden: 0"),
        (lambda: Gradient(validation=1.5), "Invalid validation: 1.5"),
    ],
)
def test_bad_settings_name_the_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()
