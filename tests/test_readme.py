"""The README's examples run, so they cannot go stale (nevergrad's test_doc.py)."""

import re
import shlex
from pathlib import Path

import pytest

from weightfit.cli import app

from .conftest import run_cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


@pytest.mark.parametrize("code", blocks("python"))
def test_python_examples_run(code):
    exec(compile(code, "README.md", "exec"), {})


def _normalise(text):
    # timings differ from run to run; blanks at the end of a line are invisible
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return re.sub(r"in [0-9.]+ ms", "in ... ms", text).rstrip()


@pytest.mark.parametrize("session", blocks("console"))
def test_console_examples_print_what_they_show(session):
    lines = session.splitlines()
    command, shown = lines[0], "\n".join(lines[1:])
    assert command.startswith("$ weightfit ")
    result = run_cli(app, shlex.split(command[len("$ weightfit ") :]))
    printed = result.stdout if result.exit_code == 0 else result.stderr
    assert _normalise(printed) == _normalise(shown)
