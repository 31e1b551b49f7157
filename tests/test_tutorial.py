"""The tutorial's numbers, pinned (golden values), and the tutorial's own loop as the oracle."""

import json

import pytest
import torch
import torch.nn.functional as F
from benchmarks.seed import seed_loop

import weightfit as wf
from weightfit.cli import app

from .conftest import run_cli

tutorial_loop = seed_loop  # the oracle: the seed's own code


def test_golden_numbers():
    r = wf.tutorial()
    assert r.initial_prediction == pytest.approx(424.2, abs=1e-12)
    assert r.initial_error == pytest.approx(0.64, abs=1e-4)  # the tutorial's float32
    assert r.final_weight == pytest.approx(1.0119999999999998, abs=1e-12)
    assert r.final_prediction == pytest.approx(425.04, abs=1e-9)
    assert r.final_error == pytest.approx(0.0016, abs=1e-5)
    assert (r.evaluations, r.iterations) == (2000, 1000)


def test_initial_error_is_torch_mse_loss():
    prediction = 420 * 1.01
    oracle = F.mse_loss(torch.tensor(prediction), torch.tensor(425.0))  # the tutorial's own
    assert wf.tutorial().initial_error == pytest.approx(float(oracle), abs=1e-4)


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"weight": 0.9, "iterations": 300},
        {"price": 100.0, "target": 97.0, "weight": 1.0, "change": 0.001, "iterations": 57},
    ],
)
def test_guess_equals_the_tutorial_loop_exactly(settings):
    oracle = tutorial_loop(**settings)
    kw = {("step" if k == "change" else k): v for k, v in settings.items()}
    assert wf.tutorial(**kw).final_weight == oracle  # bit for bit


def test_an_independent_counter_equals_reported_evaluations():
    data = wf.Windows.from_pairs([420.0], [425.0])
    objective = wf.Objective(wf.Scale(), data)
    calls = []

    def counted(weights):
        calls.append(weights.shape[0] if weights.ndim == 3 else 1)
        return objective(weights)

    fit = wf.minimize(counted, [[1.01]], wf.Guess(iterations=321))
    assert fit.evaluations == sum(calls) == 642
    assert fit.iterations == 321 and fit.stop == "iterations"
    assert len(fit.history) == 322  # the start and every accepted step


def test_guess_is_batched_over_series():
    # three series at once equal three separate runs
    x, y = [420.0, 10.0, 3000.0], [425.0, 9.5, 3010.0]
    data = wf.Windows.from_pairs(x, y, series=[0, 1, 2])
    start = torch.tensor([[1.01], [1.0], [0.99]], dtype=torch.float64)
    fit = wf.minimize(wf.Objective(wf.Scale(), data), start, wf.Guess(iterations=500))
    for s in range(3):
        one = wf.Windows.from_pairs([x[s]], [y[s]])
        alone = wf.minimize(
            wf.Objective(wf.Scale(), one), start[s : s + 1], wf.Guess(iterations=500)
        )
        assert float(fit.weights[s, 0]) == alone.weight
    assert fit.evaluations == 1000  # one evaluation scores every series


def test_budget_stops_the_search():
    objective = wf.Objective(wf.Scale(), wf.Windows.from_pairs([420.0], [425.0]))
    fit = wf.minimize(objective, [[1.01]], "guess", max_evaluations=101)
    assert (fit.evaluations, fit.iterations, fit.stop) == (100, 50, "max_evaluations")


def test_zero_iterations_scores_the_start():
    objective = wf.Objective(wf.Scale(), wf.Windows.from_pairs([420.0], [425.0]))
    fit = wf.minimize(objective, [[1.01]], wf.Guess(iterations=0))
    assert fit.weight == 1.01 and fit.evaluations == 1
    assert float(fit.loss) == pytest.approx(0.64, abs=1e-9)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"step": 0.0}, "Invalid step: 0.0"),
        ({"step": -1e-4}, "Invalid step: -0.0001"),
        ({"step": float("inf")}, "Invalid step: inf"),
        ({"iterations": -1}, "Invalid iterations: -1"),
        ({"price": float("nan")}, "Invalid price: nan"),
        ({"price": float("inf")}, "Invalid price: inf"),
        ({"target": float("-inf")}, "Invalid target: -inf"),
        ({"price": -420.0}, "Invalid price: -420.0"),
    ],
)
def test_bad_settings_name_the_value(settings, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.").replace("+", r"\+")):
        wf.tutorial(**settings)


def test_cli_json_prints_the_numbers():
    result = run_cli(app, ["tutorial", "--json"])
    assert result.exit_code == 0
    got = json.loads(result.stdout)
    assert got["final_weight"] == pytest.approx(1.0119999999999998, abs=1e-12)
    assert got["final_prediction"] == pytest.approx(425.04, abs=1e-9)
    assert got["evaluations"] == 2000 and got["iterations"] == 1000
    assert {"initial_prediction", "initial_error", "final_error"} <= set(got)


def test_cli_walks_through_the_tutorial():
    result = run_cli(app, ["tutorial"])
    assert result.exit_code == 0
    text = result.stdout
    assert "424.2" in text and "0.64" in text and "1.012" in text and "1.0119999" not in text
    assert "2000 loss evaluations" in text
    assert "oscillating between 1.0119 and 1.0120" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--step", "0"], "weightfit: error: Invalid step: 0.0"),
        (["--iterations", "-5"], "weightfit: error: Invalid iterations: -5"),
        (["--price", "nan"], "weightfit: error: Invalid price: nan"),
        (["--price", "inf"], "weightfit: error: Invalid price: inf"),
    ],
)
def test_cli_bad_settings_are_one_line_and_exit_2(args, message):
    result = run_cli(app, ["tutorial", *args])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(message)
    assert "Traceback" not in result.stderr + result.stdout
