"""``weightfit search``, ``weightfit fit --model M --search S`` for every pair, and the
tutorial's last section, as a user runs them."""

import json

import pytest

from weightfit.cli import app
from weightfit.data import sample_path

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


MODELS = ["scale", "affine", "ar:3", "mlp:3"]
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


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("search", SEARCHES)
def test_fit_every_model_with_every_search(three_tickers, model, search):  # noqa: F811
    budget = ["--max-evaluations", "3000"] if model.startswith("mlp") else []
    result = run_cli(
        app, ["fit", str(three_tickers), "--model", model, "--search", search, "--json", *budget]
    )
    impossible = (search in ONE_WEIGHT and model != "scale") or (
        search == "lstsq" and model.startswith("mlp")
    )
    if impossible:  # a clear one-line refusal, not a traceback
        assert result.exit_code == 2
        assert result.stderr.startswith("weightfit: error: ")
        assert ("single weight" in result.stderr) or ("no closed form" in result.stderr)
        return
    assert result.exit_code == 0, result.stderr
    got = json.loads(result.stdout)
    assert len(got["series"]) == 3 and all(s["verdict"] for s in got["series"])


def test_tutorial_ends_with_the_better_strategies():
    got = json.loads(run_cli(app, ["tutorial", "--json"]).stdout)
    better = {row["strategy"]: row for row in got["better"]}
    assert better["pattern"]["evaluations_to_1e-9"] < 100
    assert better["lstsq"]["weight"] == pytest.approx(425 / 420, rel=1e-15)
    assert all(row["error"] < 1e-9 for row in got["better"])
    text = run_cli(app, ["tutorial"]).stdout
    assert "6. Better ways to find the weight" in text and "pattern" in text
