"""Faults and hostile input: nothing runs that a file planted, nothing crashes, nothing is lost.

Every bad input (a file's bytes, a flag, a path) is one line on stderr naming the file or the
flag, exit code 2, no traceback, and no output left behind. Crashes are looked for in a
subprocess, so that a regression (pandas' SIGSEGV on a huge exponent) fails a test instead of
killing the run.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import numpy as np
import pandas as pd
import pytest
import typer

import weightfit as wf
from weightfit.atomic import OutputSet, atomic_write, temporary
from weightfit.cli import app
from weightfit.data import read_prices
from weightfit.errors import ConfigError, DataError
from weightfit.report.text import plain, safe

from .conftest import run_cli

SRC = str(Path(wf.__file__).parent.parent)
DAYS = pd.bdate_range("2024-01-01", periods=60).strftime("%Y-%m-%d")
GOOD = "Date,Close\n" + "".join(f"{d},{100 + i % 7 + i / 10:.2f}\n" for i, d in enumerate(DAYS))
ROWS = "".join(f"{d},{100 + i % 7}\n" for i, d in enumerate(DAYS[1:]))

# name -> (bytes, what the one line must say). Each is written by the test and read by
# `weightfit inspect` and `weightfit fit`.
CORPUS: dict[str, tuple[bytes, str]] = {
    "segfault16": (b",,,,1e3086712159", "fields"),
    "huge_exponent": (b"Date,Close\n2024-01-02,1e3086712159\n" + ROWS.encode(), "line 2"),
    "huge_exponent_late": (GOOD.encode() + b"2024-06-03,1E-3086712159\n", "line 62"),
    "huge_exponent_date": (b"Date,Close\n1e3086712159,5\n2024-01-03,6\n2024-01-04,7\n", "date"),
    # found by `make fuzz`: a huge exponent in a column that is not the price (SIGSEGV)
    "huge_exponent_other_column": (
        b"1/2/2024\n1e308,1e3086712159,\xef\xbb\xbf,2024-01-03,\x00,2024-01-02",
        "as a date",
    ),
    "huge_exponent_headerless": (
        b"1704153600\t\xef\xbb\xbf\t12.5\t;;\t1,5\t1e3086712159\n"
        b"High\t0\t12.5\t1e3086712159\t20240102\tClose",
        "as a date",
    ),
    "long_field": (b"Date,Close\n2024-01-02," + b"1" * 140_000 + b"\n" + ROWS.encode(), "131,072"),
    "long_field_later": (GOOD.encode() + b"2024-06-03," + b"9" * 140_000 + b"\n", "line 62"),
    "bom_then_invalid": (b"\xef\xbb\xbfDate,Close\n2024-01-02,\xff5\n", "--encoding latin-1"),
    "utf16_odd": (b"\xff\xfeD\x00a\x00t\x00e\x00,\x00C\x00\n", "odd number of bytes"),
    "cp1252_undefined": (b"Date,Close\n2024-01-02,5\n2024-01-03,6\x81\n", "--encoding latin-1"),
    "cp1252_undefined_header": (b"Date,Cl\x9dose\n2024-01-02,5\n", "--encoding latin-1"),
    "all_prices_empty": (b"Date,Close\n2024-01-02,\n2024-01-03,\n2024-01-04,\n", "no row"),
    "one_point": (b"Date,Close\n2024-01-02,5\n", "1 rows"),
    "extra_field_first_row": (b"Date,Close\n2024-01-01,5,7\n" + ROWS.encode(), "line 2"),
    "extra_field_later_row": (GOOD.encode() + b"2024-06-03,5,7\n", "line 62"),
    "empty": (b"", "empty"),
    "blank_lines": (b"\n\n  \n", "empty"),
    "header_only": (b"Date,Close\n", "no data rows"),
    "nul_bytes": (
        b"Date,Close\n2024-01-02,5\n2024-01-03,\x00\x00x\n2024-01-04,6\n",
        "missing price",
    ),
    "binary": (bytes(range(256)) * 4, "fused.csv"),
    "not_a_number": (b"Date,Close\n2024-01-02,5\n2024-01-03,abc\n2024-01-04,6\n", "'abc'"),
    "infinite_price": (b"Date,Close\n2024-01-02,5\n2024-01-03,1e400\n2024-01-04,6\n", "line 3"),
    "negative_price": (b"Date,Close\n2024-01-02,5\n2024-01-03,-6\n2024-01-04,6\n", "line 3"),
    "zero_price": (b"Date,Close\n2024-01-02,5\n2024-01-03,0\n2024-01-04,6\n", "line 3"),
    "bad_date": (b"Date,Close\n2024-01-02,5\n2024-13-45,6\n2024-01-04,6\n", "line 3"),
    "duplicate_dates": (b"Date,Close\n2024-01-02,5\n2024-01-02,6\n2024-01-04,6\n", "--keep-last"),
    "no_date_column": (b"Foo,Close\nabc,5\ndef,6\nghi,7\n", "--date"),
    "no_price_column": (b"Date,Name\n2024-01-02,x\n2024-01-03,y\n2024-01-04,z\n", "--price"),
    "quote_unclosed": (b'Date,Close\n2024-01-02,"5\n2024-01-03,6\n2024-01-04,7\n', "line"),
    "zip_garbage": (b"PK\x03\x04garbage", "cannot read"),
    "gz_garbage": (b"\x1f\x8bgarbage", "cannot read"),
    "huge_value_text": (b"Date,Close\n2024-01-02,5\n2024-01-03," + b"9" * 400 + b"\n", "line 3"),
    "ansi_in_cell": (b"Date,Close\n2024-01-02,5\n2024-01-03,\x1b[2J\n2024-01-04,6\n", "line 3"),
}
SUFFIX = {"zip_garbage": ".zip", "gz_garbage": ".csv.gz"}


def _one_line(result, *must):
    err = result.stderr
    assert result.exit_code == 2, (result.exit_code, err, result.stdout)
    assert err.count("\n") == 1 and err.startswith("weightfit: error: "), err
    assert "Traceback" not in err and "\x1b" not in err
    for text in must:
        assert text in err, (text, err)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_bad_file_is_one_line_naming_the_file(tmp_path, name):
    data, says = CORPUS[name]
    path = tmp_path / ("fused" + SUFFIX.get(name, ".csv"))
    path.write_bytes(data)
    before = set(tmp_path.iterdir())
    _one_line(run_cli(app, ["inspect", str(path)]), "fused", says)
    out = tmp_path / "out.csv"
    args = [
        "fit",
        str(path),
        "--no-record",
        "--output",
        str(out),
        "--report",
        str(tmp_path / "r.html"),
    ]
    _one_line(run_cli(app, args), "fused")
    assert set(tmp_path.iterdir()) == before  # no output, no temporary file


def test_degenerate_series_say_what_is_true(tmp_path):
    days = pd.bdate_range("2024-01-01", periods=60)
    for y, says in [
        (np.full(60, 5.0), "constant over its test part"),
        (1e-300 * (1 + np.arange(60) % 7), "edge of the floating-point range"),
        (1e300 * (1 + np.arange(60) % 7), "edge of the floating-point range"),
    ]:
        frame = pd.DataFrame({"unique_id": "s", "ds": days, "y": y})
        with pytest.raises(DataError, match=says):
            wf.fit(frame, "scale")
        path = tmp_path / "s.csv"
        frame.rename(columns={"ds": "Date", "y": "Close"})[["Date", "Close"]].to_csv(path)
        _one_line(run_cli(app, ["fit", str(path), "--no-record"]), says)


def test_special_paths(tmp_path):
    fifo = tmp_path / "prices.csv"
    os.mkfifo(fifo)  # opening it would block forever
    _one_line(run_cli(app, ["inspect", str(fifo)]), "not a regular file")
    _one_line(run_cli(app, ["inspect", "/dev/zero"]), "/dev/zero", "not a regular file")
    (tmp_path / "a.csv").symlink_to(tmp_path / "b.csv")
    (tmp_path / "b.csv").symlink_to(tmp_path / "a.csv")
    _one_line(run_cli(app, ["inspect", str(tmp_path / "a.csv")]), "symbolic links")
    _one_line(run_cli(app, ["inspect", str(tmp_path / "nothing [1].csv")]), "no such file")
    brackets = tmp_path / "prices [1].csv"  # an existing path with glob characters is a path
    brackets.write_text(GOOD)
    assert len(read_prices(brackets)) == 60


def test_reads_are_bounded(tmp_path, monkeypatch):
    from weightfit.data import text

    monkeypatch.setattr(text, "MAX_BYTES", 1000)
    path = tmp_path / "big.csv"
    path.write_text(GOOD)
    with pytest.raises(DataError, match="more than 1,000 bytes"):
        read_prices(path)


def test_mixed_utc_offsets_read_as_utc(tmp_path):
    rows = [f"{d}T10:00:00" for d in DAYS[:55]] + [f"{d}T10:00:00+02:00" for d in DAYS[55:]]
    path = tmp_path / "tz.csv"
    path.write_text("Date,Close\n" + "".join(f"{d},{100 + i % 3}\n" for i, d in enumerate(rows)))
    frame = read_prices(path)
    assert len(frame) == 60 and str(frame.ds.dt.tz) == "UTC"
    assert frame.ds.iloc[-1] == pd.Timestamp(f"{DAYS[-1]}T08:00:00Z")  # oracle: the offset


def test_huge_exponent_does_not_crash_a_process(tmp_path):
    # a real process: pandas' C tokenizer dies with SIGSEGV on this (pandas 2.3)
    path = tmp_path / "x.csv"
    path.write_bytes(b"Date,Close\n2024-01-02,1e3086712159\n2024-01-03,5\n2024-01-04,6\n")
    code = f"from weightfit.data import read_prices\nread_prices({str(path)!r})"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=120
    )
    assert done.returncode == 1 and "DataError" in done.stderr, (done.returncode, done.stderr)
    assert "out of the range" in done.stderr


# -- every option of every command, with a bad value --------------------------------------

READING_BAD = {
    "--price": (["--price", "nope"], "--price"),
    "--date": (["--date", "99"], "--date 99"),
    "--id": (["--id", "nope"], "--id"),
    "--sep": (["--sep", ";;"], "--sep ';;'"),
    "--decimal": (["--decimal", "x"], "decimal: 'x'"),
    "--encoding": (["--encoding", "nope"], "--encoding 'nope'"),
    "--skiprows": (["--skiprows", "-1"], "--skiprows -1"),
    "--date-format": (["--date-format", "%Q"], "--date-format '%Q'"),
    "--session": (["--session", "x"], "session: 'x'"),
    "--exchange": (["--session", "regular", "--exchange", "NOPE"], "--exchange 'NOPE'"),
    "--tz": (["--session", "regular", "--exchange", "XNYS", "--tz", "Mars/Base"], "--tz"),
    "--sheet": (["--sheet", "3"], None),  # a CSV has no sheets: ignored
}
BAD = {
    "tutorial": {
        "--price": (["--price", "nan"], "price"),
        "--target": (["--target", "-inf"], "target"),
        "--weight": (["--weight", "nan"], "weight"),
        "--step": (["--step", "0"], "step"),
        "--iterations": (["--iterations", "1000000000000"], "at most 1,000,000"),
    },
    "fit": {
        "--model": (["--model", "scale:3"], "scale:3"),
        "--search": (["--search", "nope"], "'nope'"),
        "--max-evaluations": (["--max-evaluations", "-1"], "--max-evaluations -1"),
        "--test": (["--test", "1900-01-01"], "--test '1900-01-01'"),
        "--cv": (["--cv", "-3"], "--cv -3"),
        "--h": (["--h", "0"], "--h 0"),
        "--gaps": (["--gaps", "skip"], "--gaps 'skip'"),
        "--metrics": (["--metrics", ",,,"], "--metrics ',,,'"),
        "--output": (["--output", "x.txt"], "x.txt"),
        "--forecasts": (["--forecasts", "/dev/null/x.csv"], "/dev/null"),
        "--plot": (["--plot", "/dev/null/x"], "/dev/null"),
        "--dask": (["--dask", "local:0"], "--dask 'local:0'"),
        "--files-per-partition": (["--files-per-partition", "0"], "--files-per-partition 0"),
        "--memory": (["--memory", "lots"], "'lots'"),
        "--device": (["--device", "tpu"], "--device 'tpu'"),
        "--report": (["--report", "r.txt"], "r.txt"),
        "--runs": (["--record", "--runs", "/dev/null/x.sqlite"], "/dev/null"),
        **READING_BAD,
    },
    "search": {
        "--model": (["--model", "nope"], "'nope'"),
        "--strategies": (["--strategies", ",,"], "--strategies"),
        "--max-evaluations": (["--max-evaluations", "0"], "--max-evaluations 0"),
        "--plot": (["--plot", "/dev/null/x"], "/dev/null"),
        "--runs": (["--record", "--runs", "/dev/null/x.sqlite"], "/dev/null"),
        **READING_BAD,
    },
    "inspect": READING_BAD,
    "audit": {
        "--cutoffs": (["--cutoffs", "abc"], "abc"),
        "--h": (["--h", "0"], "--h 0"),
        "--seed": (["--seed", "-1"], "--seed -1"),
        **READING_BAD,
    },
    "fetch": {
        "--start": (["--start", "yesterday-ish"], "--start"),
        "--end": (["--end", "2024-13-45"], "--end"),
        "--interval": (["--interval", "7x"], "7x"),
        "--output": (["--output", "x.txt"], "x.txt"),
    },
    "demo": {"--plot": (["--plot", "/dev/null/x"], "/dev/null")},
    "lesson": {
        "--rows": (["--rows", "5"], "rows: 5"),
        "--epochs": (["--epochs", "0"], "--epochs 0"),
        "--seed": (["--seed", "-1"], "--seed -1"),
        "--plot": (["--plot", "/dev/null/x"], "/dev/null"),
    },
    "report": {
        "--output": (["--output", "x.txt"], "x.txt"),
        "--runs": (["--output", "x.html", "--runs", "/dev/null/x.sqlite"], "/dev/null"),
    },
    "runs list": {"--runs": (["--runs", "/dev/null/x.sqlite"], "/dev/null")},
    "runs show": {"--runs": (["--runs", "/dev/null/x.sqlite"], "/dev/null")},
    "runs compare": {
        "--model": (["--model", "nope"], "nope"),
        "--model-a": (["--model-a", "nope"], "nope"),
        "--runs": (["--runs", "/dev/null/x.sqlite"], "/dev/null"),
    },
    "runs export": {
        "--output": (["--output", "x.txt"], "x.txt"),
        "--runs": (["--output", "x.csv", "--runs", "/dev/null/x.sqlite"], "/dev/null"),
    },
    "runs delete": {"--runs": (["--runs", "/dev/null/x.sqlite"], "/dev/null")},
}
# options with no bad value: switches, and filters where any text is a valid query
NO_BAD_VALUE = {
    "--json", "--keep-last", "--wide", "--adjust-splits", "--resume", "--record", "--skip-bad",
    "--full", "--json-series", "--exclude-splits", "--global",
}  # fmt: skip
NO_BAD_VALUE |= {"--force", "--data", "runs list --model", "--help"}
POSITIONAL = {  # what each command needs besides the option under test
    "fit": lambda f: [f, "--no-record"],
    "search": lambda f: [f, "--no-record", "--strategies", "lstsq"],
    "inspect": lambda f: [f],
    "audit": lambda f: ["naive_forecaster:forecast", f],
    "report": lambda f: ["nope"],
    "runs show": lambda f: ["nope"],
    "runs compare": lambda f: ["nope", "nope2"],
    "runs export": lambda f: ["nope"],
    "runs delete": lambda f: ["nope"],
    "fetch": lambda f: ["MSFT"],
}


def _options():
    """(command, option) for every option of every command, from the app itself."""
    found = []

    def walk(command, prefix):
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, [*prefix, name])
            return
        for p in command.params:
            if isinstance(p, click.Option) or p.param_type_name == "option":
                found.append((" ".join(prefix), p.opts[0]))

    walk(typer.main.get_command(app), [])
    return found


def test_every_option_has_a_bad_value_row():
    missing = [
        (c, o)
        for c, o in _options()
        if o not in NO_BAD_VALUE and f"{c} {o}" not in NO_BAD_VALUE and o not in BAD.get(c, {})
    ]
    assert not missing, f"add a bad value for: {missing}"


@pytest.mark.parametrize(
    ("command", "option"),
    [(c, o) for c, rows in BAD.items() for o in rows if rows[o][1] is not None],
)
def test_bad_flag_is_one_line_with_the_value(tmp_path, monkeypatch, command, option):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "p.csv"
    path.write_text(GOOD)
    args, says = BAD[command][option]
    before = set(tmp_path.iterdir())
    result = run_cli(
        app, [*command.split(), *POSITIONAL.get(command, lambda f: [])(str(path)), *args]
    )
    _one_line(result, says)
    assert set(tmp_path.iterdir()) == before


# -- outputs as a set ----------------------------------------------------------------------


def test_a_failed_run_replaces_no_output_and_leaves_no_temporary_file(tmp_path):
    out, html = tmp_path / "out.csv", tmp_path / "r.html"
    out.write_text("old"), html.write_text("old")
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "2024-06-03,abc\n")
    args = ["fit", str(bad), "--no-record", "--output", str(out), "--report", str(html)]
    _one_line(run_cli(app, args), "'abc'")
    assert out.read_text() == "old" and html.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "out.csv", "r.html"]
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    args = ["fit", str(good), "--no-record", "--output", str(out), "--report", str(html)]
    args += ["--forecasts", str(tmp_path / "f.parquet")]
    result = run_cli(app, args)
    assert result.exit_code == 0, result.stderr
    assert pd.read_csv(out).shape[0] > 0 and html.read_text().startswith("<!")
    assert not [p for p in tmp_path.iterdir() if ".wf-tmp-" in p.name]


def test_output_set_commits_all_or_nothing(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "plots"
    a.write_text("old")
    with pytest.raises(KeyboardInterrupt), OutputSet() as outputs:
        outputs.stage(outputs.add(a, suffixes=(".csv",))).write_text("new")
        (outputs.stage(outputs.add(b, folder=True)) / "x.png").write_bytes(b"png")
        raise KeyboardInterrupt
    assert a.read_text() == "old" and not b.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]
    with OutputSet() as outputs:
        outputs.stage(outputs.add(a, suffixes=(".csv",))).write_text("new")
        (outputs.stage(outputs.add(b, folder=True)) / "x.png").write_bytes(b"png")
        assert outputs.commit() == [a, b / "x.png"]
    assert a.read_text() == "new" and (b / "x.png").read_bytes() == b"png"
    with pytest.raises(ConfigError, match="a folder"):
        OutputSet().add(b, suffixes=(".csv",))


def test_temporary_files_of_a_killed_run_are_removed_by_the_next(tmp_path):
    target = tmp_path / "out.csv"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = temporary(target, ".csv").with_name(f".out.csv.wf-tmp-{dead.pid}-0123abcd.csv")
    stale.write_text("half")
    atomic_write(target, lambda tmp: tmp.write_text("whole"))
    assert target.read_text() == "whole" and not stale.exists()


# -- Ctrl-C -------------------------------------------------------------------------------


def _env():
    return {**os.environ, "PYTHONPATH": SRC, "MPLBACKEND": "Agg"}


def test_ctrl_c_is_interrupted_wherever_it_lands(tmp_path):
    folder = tmp_path / "prices"
    folder.mkdir()
    for i in range(40):
        (folder / f"s{i:02d}.csv").write_text(GOOD)
    out = tmp_path / "out.csv"
    out.write_text("old")
    runs = []
    for delay in (0.0, 1.0, 2.0, 3.5):  # start-up (imports), reading, fitting, writing
        cmd = [sys.executable, "-m", "weightfit", "fit", str(folder), "--files-per-partition"]
        cmd += ["1", "--no-record", "--output", str(out), "--model", "ar:3"]
        proc = subprocess.Popen(
            cmd, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        runs.append((delay, proc, time.monotonic()))
    for delay, proc, began in runs:
        if delay == runs[0][0]:  # start-up: once the interpreter is up and importing numpy
            _wait_for_mapped(proc.pid, "numpy", began + 30)
        time.sleep(max(0.0, began + delay - time.monotonic()))
        proc.send_signal(signal.SIGINT)
    for delay, proc, _ in runs:
        _, stderr = proc.communicate(timeout=120)
        err = stderr.decode()
        assert proc.returncode == 130, (delay, proc.returncode, err)
        assert "interrupted" in err and "Traceback" not in err, (delay, err)
        assert err.count("\n") == 1, (delay, err)
    assert out.read_text() == "old"
    assert not [p for p in tmp_path.iterdir() if ".wf-tmp-" in p.name]


def _wait_for_mapped(pid, library, deadline):
    """Until ``library`` is mapped into process ``pid`` (Linux): a Ctrl-C sent earlier lands
    in the interpreter's own start, before any of weightfit runs."""
    maps = Path(f"/proc/{pid}/maps")
    while maps.exists() and time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if library in maps.read_text():
                return
        time.sleep(0.005)


def test_the_reader_keeps_ctrl_c(tmp_path, monkeypatch):
    from weightfit.data import read as reader

    def interrupted(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:  # as pandas' C parser does when read() fails under it
            raise pd.errors.ParserError("Error tokenizing data. C error: read failed") from None

    monkeypatch.setattr(reader.pd, "read_csv", interrupted)
    monkeypatch.setattr(reader.arrow, "read_csv", lambda *a, **k: (None, []))  # careful path
    path = tmp_path / "p.csv"
    path.write_text(GOOD)
    with pytest.raises(KeyboardInterrupt):
        read_prices(path)


# -- data text is data --------------------------------------------------------------------

HOSTILE = ["[red]x[/red]", "[link=http://e]y[/link]", "\x1b[2Jz", "a\nb"]


def test_safe_text():
    assert plain("\x1b[31mred\x1b[0m\x1b]8;;http://e\x07link\x1b]8;;\x07") == "redlink"
    assert plain("a\nb\tc\r\x00") == "a b c  "
    assert safe("[bold]x[/]") == "\\[bold]x\\[/]"


def test_hostile_names_are_shown_as_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = "".join(
        f'{d},"{t}",{100 + i % 7 + k}\n' for k, t in enumerate(HOSTILE) for i, d in enumerate(DAYS)
    )
    path = tmp_path / "[red]f[red].csv"
    path.write_text("Date,Ticker,Close\n" + rows)
    outputs = []
    for args in (["inspect", str(path)], ["fit", str(path)], ["runs", "list"]):
        result = run_cli(app, args)
        assert result.exit_code == 0, result.stderr
        outputs.append(result.stdout)
    run_id = outputs[-1].split("\n")[3].split()[0]
    result = run_cli(app, ["runs", "show", run_id])
    outputs.append(result.stdout)
    for text in outputs:
        assert "\x1b" not in text
    assert "[red]f[red].csv" in outputs[0]  # the file name, as text
    assert "[red]x[/red]" in outputs[0] and "[link=http://e]y[/link]" in outputs[1]
    assert "a b" in outputs[0]  # a newline in a ticker does not split the row
    bad = tmp_path / "[bold]g\x1b[2J.csv"
    bad.write_text("Date,Close\n2024-01-02,abc\n2024-01-03,5\n2024-01-04,6\n")
    result = run_cli(app, ["inspect", str(bad)])
    _one_line(result, "[bold]g")


# -- cost linear in the series' length ----------------------------------------------------


def test_historic_average_is_linear_and_exact():
    from weightfit.data.panel import segment_sum

    rng = np.random.default_rng(0)
    values = 100 + rng.normal(size=200_000).cumsum()
    stop = np.arange(1, len(values) + 1)
    start = np.zeros_like(stop)
    began = time.perf_counter()
    sums = segment_sum(values, start, stop)  # quadratic work by reduceat: minutes
    assert time.perf_counter() - began < 5
    np.testing.assert_allclose(sums, np.cumsum(values), rtol=1e-12)  # oracle: numpy cumsum
    pick = rng.integers(0, len(values), 20)
    np.testing.assert_allclose(sums[pick], [values[: i + 1].sum() for i in pick], rtol=1e-12)
