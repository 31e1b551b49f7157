"""``weightfit search``, ``weightfit fit --model M --search S`` for every pair, and the
tutorial's last section, as a user runs them."""

import json

import numpy as np
import pandas as pd
import pytest

import weightfit as wf
from weightfit.cli import app
from weightfit.data import sample_path
from weightfit.errors import ConfigError

from .conftest import run_cli
from .test_fit_cli import three_tickers  # noqa: F401  (a fixture)

SAMPLE = str(sample_path("msft"))


def test_search_compares_strategies_on_the_sample(tmp_path):
    result = run_cli(app, ["search", SAMPLE, "--json"])
    assert result.exit_code == 0, result.stderr
    rows = {r["strategy"]: r for r in json.loads(result.stdout)["strategies"]}
    assert list(rows) == ["guess", "pattern", "golden", "adam", "lbfgs", "lstsq"]
    assert rows["lstsq"]["evaluations"] == 1 and rows["lstsq"]["distance"] == 0
    assert rows["guess"]["evaluations"] == 2000
    for name in ("pattern", "golden", "lbfgs"):
        assert rows[name]["distance"] < 1e-8
    text = run_cli(app, ["search", SAMPLE, "--plot", str(tmp_path)]).stdout
    assert "distance to optimum" in text and "lstsq" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "search-evaluations.png",
        "search-paths.png",
    ]


def test_search_two_weights_draws_contours_and_says_what_it_skipped(tmp_path):
    result = run_cli(
        app,
        [
            "search",
            SAMPLE,
            "--model",
            "affine",
            "--strategies",
            "pattern,golden,lstsq",
            "--plot",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert "skipped golden: golden searches a single weight; this model has 2" in result.stdout
    assert (tmp_path / "search-paths.png").exists()


MODELS = ["scale", "affine", "ar:3", "mlp:3"]  # lstm and gru: tests/test_recurrent.py
SEARCHES = [
    "guess",
    "pattern",
    "oneplusone",
    "random",
    "golden",
    "brent",
    "adam",
    "sgd",
    "lbfgs",
    "lstsq",
]
ONE_WEIGHT = {"golden", "brent"}
NETWORKS = ("mlp", "lstm")


@pytest.fixture(scope="module")
def small():
    """Three series of 200 prices: every pair below is one quick fit in the library."""
    rng = np.random.default_rng(42)
    frames = [
        pd.DataFrame(
            {
                "unique_id": uid,
                "ds": pd.bdate_range("2022-01-03", periods=200),
                "y": start * np.exp(np.cumsum(rng.normal(0.0003, 0.015, 200))),
            }
        )
        for uid, start in (("AAA", 20.0), ("BBB", 150.0), ("CCC", 3000.0))
    ]
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("search", SEARCHES)
def test_fit_every_model_with_every_search(small, model, search):
    """Every pair either fits (a verdict per series, finite measures) or is refused with a
    ConfigError that says why; never anything else."""
    impossible = (search in ONE_WEIGHT and model != "scale") or (
        search == "lstsq" and model.startswith(NETWORKS)
    )
    budget = 100 if model.startswith(NETWORKS) else 3000
    if impossible:
        with pytest.raises(ConfigError, match=r"single weight|no closed form"):
            wf.fit(small, model, search, max_evaluations=budget)
        return
    report = wf.fit(small, model, search, max_evaluations=budget)
    assert [s["id"] for s in report.series] == ["AAA", "BBB", "CCC"]
    assert all(s["verdict"] for s in report.series)
    assert np.isfinite(report.scores["mse"]).all()


@pytest.mark.parametrize(
    ("model", "search", "refusal"),
    [
        ("ar:3", "pattern", None),
        ("affine", "golden", "golden searches a single weight; this model has 2"),
        ("mlp:3", "lstsq", "no closed form"),
    ],
)
def test_fit_model_and_search_from_the_command_line(three_tickers, model, search, refusal):  # noqa: F811
    result = run_cli(
        app,
        ["fit", str(three_tickers), "--model", model, "--search", search, "--json"],
    )
    if refusal:  # a clear one-line refusal, not a traceback
        assert result.exit_code == 2
        assert result.stderr.startswith("weightfit: error: ") and refusal in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        return
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)["series"]) == 3


def test_tutorial_ends_with_the_better_strategies():
    got = json.loads(run_cli(app, ["tutorial", "--json"]).stdout)
    better = {row["strategy"]: row for row in got["better"]}
    assert better["pattern"]["evaluations_to_1e-9"] < 100
    assert better["lstsq"]["weight"] == pytest.approx(425 / 420, rel=1e-15)
    assert all(row["error"] < 1e-9 for row in got["better"])
    text = run_cli(app, ["tutorial"]).stdout
    assert "6. Better ways to find the weight" in text and "pattern" in text
