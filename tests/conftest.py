"""Shared helpers: run the CLI in-process and capture what a user would see."""

import os

os.environ["MPLBACKEND"] = "Agg"
os.environ["COLUMNS"] = "100"  # the width the README's terminal examples were captured at

from typer.testing import CliRunner


def run_cli(app, args):
    """Invoke the typer app as the console script would, stdout and stderr kept apart."""
    return CliRunner().invoke(app, args, catch_exceptions=False, prog_name="weightfit")


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _run_store_in_tmp(tmp_path_factory, monkeypatch):
    """Every fit and search records a run: keep the store out of the repository (and out of
    the test's own tmp_path, which some tests list)."""
    monkeypatch.setenv("WEIGHTFIT_RUNS", str(tmp_path_factory.mktemp("runs") / "runs.sqlite"))
