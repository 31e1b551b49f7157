"""The terminal: every command's output fits 60 to 160 columns with nothing cut; pipes closed
early end quietly; help examples work as printed; --skip-bad; --quiet."""

import importlib
import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from weightfit.cli import app
from weightfit.data import sample

from .conftest import run_cli

WIDTHS = (60, 80, 100, 160)
LEAKY = """
def leaky(prices, cutoff, h):
    seen = prices[prices.ds <= cutoff]
    future = prices[prices.ds > cutoff].groupby("unique_id").head(h)
    ratio = prices.groupby("unique_id").y.mean() / seen.groupby("unique_id").y.mean()
    last = seen.groupby("unique_id").y.last()
    return future.assign(y_hat=future.unique_id.map(last * ratio))[["unique_id", "ds", "y_hat"]]
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Two small daily files, a 1-minute intraday file, a forecaster and a run store."""
    folder = tmp_path_factory.mktemp("terminal")
    msft = sample("msft").tail(300)
    (folder / "daily").mkdir()
    for name, scale in (("MSFT", 1.0), ("BIGGER", 3.0)):
        part = pd.DataFrame({"Date": msft.ds.dt.date, "Close": msft.y.to_numpy() * scale})
        part.to_csv(folder / "daily" / f"{name}.csv", index=False)
    minutes = [pd.date_range(f"2024-03-0{d} 09:30", periods=390, freq="1min") for d in (4, 5)]
    stamps = minutes[0].append(minutes[1])
    intraday = pd.DataFrame({"Datetime": stamps, "Close": 100 + 0.01 * (stamps.minute % 7)})
    intraday.to_csv(folder / "intraday.csv", index=False)
    (folder / "fc.py").write_text(textwrap.dedent(LEAKY))
    return folder


def commands(folder):
    daily = str(folder / "daily")
    one = str(folder / "daily" / "MSFT.csv")
    store = ["--runs", str(folder / "runs.sqlite")]
    return {
        "tutorial": ["tutorial", "--iterations", "200"],
        "inspect": ["inspect", daily, str(folder / "intraday.csv")],
        "fit": ["fit", one, "--model", "scale", "--model", "affine", "--model", "ar:5", *store],
        "fit-many": ["fit", daily, "--model", "scale", "--model", "ar:2", *store],
        "search": ["search", one, "--strategies", "guess,pattern,lstsq", "--no-record"],
        "demo": ["demo", "--plot", str(folder / "demo")],
        "lesson": ["lesson", "--rows", "200", "--epochs", "2"],
        "audit": ["audit", f"{folder / 'fc.py'}:leaky", one, "--cutoffs", "2"],
        "runs list": ["runs", "list", *store],
        "runs show": ["runs", "show", "1", *store],
        "runs compare": ["runs", "compare", "1", "2", "--force", *store],
    }


WORDS = re.compile(r"[A-Za-z][A-Za-z()0-9:_-]{2,}")


def once(function):
    """``function`` computed once per arguments (the callback aside): the widths differ, the
    results do not, and the tutorial's and the lesson's searches take seconds."""
    memo = {}

    def wrapper(*args, callback=None, **kwargs):
        key = repr((args, sorted(kwargs.items())))
        if key not in memo:
            memo[key] = function(*args, **kwargs)
        return memo[key]

    return wrapper


@pytest.fixture(scope="module")
def outputs(files):
    """Each command at each width: {(name, width): stdout}."""
    got = {}
    mp = pytest.MonkeyPatch()
    try:
        for module, name in (("weightfit.tutorial", "tutorial"), ("weightfit.lesson", "lesson")):
            module = importlib.import_module(module)
            mp.setattr(module, name, once(getattr(module, name)))
        for width in WIDTHS:
            mp.setenv("COLUMNS", str(width))
            for name, args in commands(files).items():
                result = run_cli(app, args)
                expected = 1 if name == "audit" else 0  # the audited forecaster leaks: exit 1
                assert result.exit_code == expected, (name, width, result.stderr)
                got[name, width] = result.stdout
    finally:
        mp.undo()
    return got


@pytest.mark.parametrize("width", WIDTHS)
def test_every_command_fits_the_width_with_nothing_cut(outputs, width):
    for name in ("tutorial", "inspect", "fit", "fit-many", "search", "demo", "lesson", "audit"):
        text = outputs[name, width]
        assert "…" not in text, (name, width, text)
        for line in text.splitlines():
            assert len(line) <= width, (name, width, line)
    for name in ("runs list", "runs show", "runs compare"):
        assert "…" not in outputs[name, width], (name, width, outputs[name, width])


@pytest.mark.parametrize("width", WIDTHS)
def test_names_verdicts_and_dates_are_whole(outputs, width):
    fit = outputs["fit", width]
    for name in ("Naive", "Drift", "Scale", "Affine", "AutoRegressive(5)", "HistoricAverage"):
        assert name in fit, (width, fit)
    verdicts = re.findall(r"^\s*\S+.*?\s(beats|worse|no better|baseline)\s*$", fit, re.M)
    assert "baseline" in verdicts and len(verdicts) >= 5, (width, fit)
    assert "*" in fit  # the best of each measure stays marked
    inspect = outputs["inspect", width]
    for date in ("2016-09-06", "2017-11-10", "2024-03-04 09:30", "2024-03-05 15:59"):
        assert date in inspect, (width, inspect)
    tutorial = outputs["tutorial", width]
    assert "1.0119999" not in tutorial and "1.012" in tutorial
    lesson = outputs["lesson", width]
    assert "LSTM" in lesson and "Naive" in lesson
    shown = outputs["runs show", width]
    assert "Scale" in shown and "leaderboard" in shown


@pytest.fixture
def some_bad(tmp_path):
    """A folder of three good daily files and two broken ones."""
    msft = sample("msft").tail(120)
    for i in range(3):
        frame = pd.DataFrame({"Date": msft.ds.dt.date, "Close": msft.y.to_numpy() * (1 + i)})
        frame.to_csv(tmp_path / f"GOOD{i}.csv", index=False)
    (tmp_path / "EMPTY.csv").write_text("")
    (tmp_path / "HEADER.csv").write_text("Date,Close\n")
    return tmp_path


def test_every_bad_file_is_listed_then_skip_bad_fits_the_rest(some_bad):
    from weightfit.data import read_prices
    from weightfit.errors import DataError

    with pytest.raises(DataError) as caught:
        read_prices(some_bad)
    message = str(caught.value)
    assert message.startswith("2 of 5 files cannot be read")
    assert "EMPTY.csv: the file is empty" in message and "HEADER.csv: " in message
    frame = read_prices(some_bad, on_bad="skip")
    assert sorted(frame.unique_id.unique()) == ["GOOD0", "GOOD1", "GOOD2"]
    skipped = frame.attrs["weightfit"]["skipped"]
    assert [Path(s["file"]).name for s in skipped] == ["EMPTY.csv", "HEADER.csv"]

    result = run_cli(app, ["fit", str(some_bad), "--no-record"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "EMPTY.csv" in result.stderr and "HEADER.csv" in result.stderr
    result = run_cli(app, ["fit", str(some_bad), "--skip-bad", "--no-record"])
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())  # long paths wrap at the terminal's width
    assert "skipped 2 bad file(s)" in text and "the file is empty" in text
    assert "all 3 series" in result.stdout
    result = run_cli(app, ["fit", str(some_bad), "--skip-bad", "--no-record", "--json"])
    got = json.loads(result.stdout)
    assert len(got["series"]) == 3
    assert [Path(s["file"]).name for s in got["skipped"]] == ["EMPTY.csv", "HEADER.csv"]
    assert "--skip-bad" in run_cli(app, ["fit", "--help"]).stdout


def test_partitions_skip_bad_files(some_bad, tmp_path_factory):
    from weightfit.engine.partitions import fit_files

    folder = tmp_path_factory.mktemp("resume")
    report = fit_files(some_bad, files_per_partition=3, skip_bad=True, folder=folder)
    assert len(report.series) == 3 and len(report.read["skipped"]) == 2


@pytest.mark.parametrize("extra", [["--json"], []])
def test_a_pipe_closed_early_ends_quietly(files, extra):
    """`weightfit fit ... | head -c 400`: a real pipe, closed after 400 bytes."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "COLUMNS": "80"}
    args = ["fit", str(files / "daily"), "--no-record", *extra]
    command = f"{sys.executable} -m weightfit {' '.join(args)} | head -c 400 >/dev/null"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr


EXAMPLE = re.compile(r"Example: (weightfit [^(\n]*?)\s*(?:\(|$)", re.M)


def example(args):
    text = run_cli(app, [*args, "--help"]).stdout
    found = EXAMPLE.findall(text)
    assert found, (args, text)
    return shlex.split(found[0])[1:]


def test_every_help_starts_with_an_example_that_works(tmp_path, monkeypatch):
    """Each command's help names one example; run as printed (fetch needs the network, audit
    the user's own forecaster: their examples are only checked to be there)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        importlib.import_module("weightfit.lesson"), "lesson", once(_small_lesson())
    )
    order = [
        [],
        ["tutorial"],
        ["inspect"],
        ["fit"],
        ["fit"],
        ["search"],
        ["demo"],
        ["lesson"],
        ["runs", "list"],
        ["runs", "show"],
        ["runs", "compare"],
        ["runs", "export"],
        ["report"],
        ["runs", "delete"],
    ]
    for args in order:
        line = example(args)
        result = run_cli(app, line)
        assert result.exit_code == 0, (line, result.stdout, result.stderr)
    assert (tmp_path / "forecasts.csv").exists() and (tmp_path / "report.html").exists()
    for args in (["fetch"], ["audit"]):
        assert example(args)


def _small_lesson():
    """The lesson's example, shrunk to two epochs: the command line is what is checked."""
    lesson = importlib.import_module("weightfit.lesson").lesson

    def small(*args, **kwargs):
        return lesson(*args, **{**kwargs, "epochs": 2})

    return small
