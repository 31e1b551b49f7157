"""The lesson: (a) leaks and (b) does not, the numbers repeat exactly, the terminal's JSON is
the library's numbers, the plots are written, and the notebook runs."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

import weightfit as wf
from weightfit.cli import app

from .conftest import run_cli

SMALL = {"rows": 200, "epochs": 3}  # a fast lesson; the default is 1000 rows, 30 epochs


@pytest.fixture(scope="module")
def small():
    return wf.lesson(**SMALL)


def test_the_audit_finds_a_leak_in_a_and_none_in_b(small):
    assert small.audit["a"]["leak"] and small.audit["a"]["outcome"] == "leak"
    assert "scale" in small.audit["a"]["moved_by"]
    assert not small.audit["b"]["leak"] and small.audit["b"]["outcome"] == "clean"


def test_the_numbers_are_what_they_say(small):
    f, p = small.forecasts, small.published
    y = f.y.to_numpy()
    # oracle: numpy by hand on the forecasts, and sklearn's MinMaxScaler on the whole series
    from sklearn.metrics import r2_score
    from sklearn.preprocessing import MinMaxScaler

    prices = wf.data.sample("msft").tail(SMALL["rows"]).y.to_numpy()[:, None]
    scaler = MinMaxScaler().fit(prices)
    scaled = lambda v: scaler.transform(np.asarray(v)[:, None])[:, 0]  # noqa: E731
    assert p["scaled_mse"] == pytest.approx(np.mean((scaled(f.a) - scaled(y)) ** 2), rel=1e-9)
    assert p["r2"] == pytest.approx(r2_score(y, f.a), rel=1e-9)
    assert small.scores["Naive"]["rmse"] == pytest.approx(np.sqrt(np.mean((f.Naive - y) ** 2)))
    assert len(f) == small.data["test_rows"] == round(0.05 * SMALL["rows"])
    assert [row["pipeline"][:3] for row in small.closing] == ["(a)", "(b)", "nai"]


def test_cli_json_equals_the_library(small):
    result = run_cli(app, ["lesson", "--json", "--rows", "200", "--epochs", "3"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(json.dumps(small.to_dict()))  # every run


def test_plots_are_written(small, tmp_path):
    from weightfit.report.lesson_plots import plot_lesson

    paths = plot_lesson(small, tmp_path / "plots")
    assert [p.name for p in paths] == ["lesson_published.png", "lesson_naive.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths)


def test_bad_settings_are_one_line():
    result = run_cli(app, ["lesson", "--rows", "20"])
    assert result.exit_code == 2
    assert result.stderr.startswith("weightfit: error: Invalid rows: 20")


NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "lesson.ipynb"


def test_notebook_executes(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # the committed outputs are the full lesson's; the suite runs the same cells on a smaller
    # one (a quarter of the days, a third of the epochs), which must tell the same story
    first = next(c for c in notebook.cells if c.cell_type == "code")
    assert "result = wf.lesson()" in first.source
    first.source = first.source.replace("wf.lesson()", "wf.lesson(rows=400, epochs=10)")
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    # the kernel imports this weightfit, wherever the tests found it
    src = str(Path(wf.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    client.execute(env=env)
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "LEAK" in text and "no leak" in text
    assert len([o for o in outputs if "image/png" in o.get("data", {})]) >= 2
