"""``weightfit fit`` and ``weightfit demo`` as a user runs them."""

import json

import numpy as np
import pandas as pd
import pytest

from weightfit.cli import app

from .conftest import run_cli


@pytest.fixture
def three_tickers(tmp_path):
    """A long file with three tickers, as a broker export would have it."""
    rng = np.random.default_rng(42)
    rows = []
    for ticker, start in (("AAA", 20.0), ("BBB", 150.0), ("CCC", 3000.0)):
        y = start * np.exp(np.cumsum(rng.normal(0.0003, 0.015, 300)))
        days = pd.bdate_range("2022-01-03", periods=300)
        rows += [
            (d.strftime("%Y-%m-%d"), ticker, round(v, 4)) for d, v in zip(days, y, strict=True)
        ]
    path = tmp_path / "prices.csv"
    pd.DataFrame(rows, columns=["date", "ticker", "close"]).to_csv(path, index=False)
    return path


def test_fit_three_tickers_one_verdict_each_and_overall(three_tickers):
    result = run_cli(app, ["fit", str(three_tickers), "--json"])
    assert result.exit_code == 0, result.stderr
    got = json.loads(result.stdout)
    assert [s["id"] for s in got["series"]] == ["AAA", "BBB", "CCC"]
    for s in got["series"]:
        assert s["rows"] == 300 and s["price_column"] == "close" and s["verdict"]
        assert s["start"].startswith("2022-01-03")
        scale = s["models"]["Scale"]
        assert {"weight", "mse", "rmse", "mae", "mase", "skill", "p_value"} <= set(scale)
        assert set(s["models"]) >= {"Naive", "Drift", "HistoricAverage", "Scale"}
    assert got["overall"]["verdict"] and got["overall"]["series"] == 3
    text = run_cli(app, ["fit", str(three_tickers)]).stdout
    assert text.count("verdict AAA") == 1 and "verdict over all series" in text


def test_fit_cv_with_several_models_and_measures(three_tickers):
    result = run_cli(
        app,
        [
            "fit",
            str(three_tickers),
            "--model",
            "ar:3",
            "--model",
            "affine",
            "--cv",
            "5",
            "--h",
            "2",
            "--metrics",
            "mse,mape,theil_u2,direction",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.stderr
    got = json.loads(result.stdout)
    assert got["settings"]["protocol"] == "cross-validation"
    models = got["series"][0]["models"]
    assert {"AutoRegressive(3)", "Affine"} <= set(models)
    assert {"mse", "mape", "theil_u2", "direction"} <= set(models["Affine"])


def test_fit_writes_results_forecasts_and_plots(three_tickers, tmp_path):
    out, fc, plots = tmp_path / "r.parquet", tmp_path / "f.csv", tmp_path / "plots"
    result = run_cli(
        app,
        [
            "fit",
            str(three_tickers),
            "--output",
            str(out),
            "--forecasts",
            str(fc),
            "--plot",
            str(plots),
        ],
    )
    assert result.exit_code == 0, result.stderr
    results = pd.read_parquet(out)
    assert set(results.unique_id) == {"AAA", "BBB", "CCC"} and "verdict" in results
    forecasts = pd.read_csv(fc)
    assert list(forecasts.columns[:4]) == ["unique_id", "ds", "cutoff", "y"]
    names = sorted(p.name for p in plots.iterdir())
    assert names == sorted(
        [f"{t}-{k}.png" for t in ("AAA", "BBB", "CCC") for k in ("forecasts", "errors")]
        + ["skill.png"]
    )
    assert all((plots / n).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for n in names)


def test_fit_bad_input_leaves_no_output(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Date,Close\n2024-01-02,1\n2024-01-03,oops\n2024-01-04,2\n")
    out = tmp_path / "r.csv"
    result = run_cli(app, ["fit", str(bad), "--output", str(out)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"weightfit: error: {bad}: line 3, column 'Close'")
    assert not out.exists()


def test_fit_bad_setting_is_one_line(three_tickers):
    result = run_cli(app, ["fit", str(three_tickers), "--model", "transformer"])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("weightfit: error: Unknown model 'transformer'")
    result = run_cli(app, ["fit", str(three_tickers), "--output", "x.xlsx"])
    assert result.exit_code == 2 and "expected a file ending in .csv or .parquet" in result.stderr


def test_demo_prints_leaderboard_verdict_and_writes_plots(tmp_path):
    result = run_cli(app, ["demo", "--plot", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "MSFT" in text and "7983" in text and "verdict MSFT" in text and "Naive" in text
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == [
        "MSFT-errors.png",
        "MSFT-forecasts.png",
    ]


def test_an_unwritable_output_is_one_line(three_tickers, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    result = run_cli(app, ["fit", str(three_tickers), "--output", str(blocked / "r.csv")])
    assert result.exit_code == 2
    assert result.stderr.startswith("weightfit: error: ") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
