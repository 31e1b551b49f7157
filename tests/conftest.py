"""Shared helpers: run the CLI in-process and capture what a user would see."""

import os

os.environ["MPLBACKEND"] = "Agg"
os.environ["COLUMNS"] = "100"  # the width the README's terminal examples were captured at

from typer.testing import CliRunner


def run_cli(app, args):
    """Invoke the typer app as the console script would, stdout and stderr kept apart."""
    return CliRunner().invoke(app, args, catch_exceptions=False)
