"""Big files: the fast reader agrees with the careful one, a partitioned run stays inside its
memory budget and answers exactly as a run in memory, and the search path's sufficient
statistics agree with the windows they replace."""

import copy
import itertools
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

import weightfit as wf
from weightfit.data import arrow, read_prices
from weightfit.engine import partitions as parts
from weightfit.errors import ConfigError
from weightfit.models.windows import Windows

from .test_read_formats import CASES, write

SRC = Path(__file__).resolve().parents[1] / "src"


def careful(monkeypatch):
    """read_prices with the fast reader switched off."""
    monkeypatch.setattr(arrow, "read_csv", lambda *a, **k: (None, []))


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_fast_reader_equals_careful_reader_on_the_format_corpus(tmp_path, monkeypatch, case):
    name, text, kwargs, *_ = CASES[case]
    path = write(tmp_path, name, text)
    fast = read_prices(path, **kwargs)
    with monkeypatch.context() as m:
        careful(m)
        slow = read_prices(path, **kwargs)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert fast.attrs["weightfit"] == slow.attrs["weightfit"]


def test_the_fast_reader_is_taken_where_the_layout_allows(tmp_path, monkeypatch):
    taken = []
    real = arrow.read_csv
    monkeypatch.setattr(
        arrow, "read_csv", lambda *a, **k: taken.append(real(*a, **k)[0]) or real(*a, **k)
    )
    read_prices(write(tmp_path, "yahoo.csv", CASES["yahoo"][1]))
    read_prices(
        write(tmp_path, "odd.csv", "Date,Close\n2024-01-02,1\n\n2024-01-03,2\n2024-01-04,3\n")
    )
    assert taken[0] is not None  # Yahoo: ISO dates, plain numbers
    assert taken[1] is None  # a blank line: the careful path reads and counts it


def test_parquet_fast_reader_equals_pandas(tmp_path):
    frame = long_frame(30, 20)
    path = tmp_path / "long.parquet"
    frame.to_parquet(path)
    fast = read_prices(path)
    oracle = read_prices(pd.read_parquet(path))  # oracle: pandas' own Parquet reader
    pd.testing.assert_frame_equal(fast, oracle, check_exact=True)
    strip = ("source", "format")
    a, b = fast.attrs["weightfit"]["series"], oracle.attrs["weightfit"]["series"]
    assert {k: {f: v for f, v in s.items() if f not in strip} for k, s in a.items()} == {
        k: {f: v for f, v in s.items() if f not in strip} for k, s in b.items()
    }


def test_the_read_record_is_shared_not_deep_copied(tmp_path):
    frame = read_prices(write(tmp_path, "yahoo.csv", CASES["yahoo"][1]))
    record = frame.attrs["weightfit"]
    assert frame["y"].attrs["weightfit"] is record  # pandas deep-copies attrs on access
    assert copy.deepcopy(record) is record


def long_frame(n_series, length, seed=0):
    rng = np.random.default_rng(seed)
    y = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (n_series, length)), axis=1))
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"S{i:05d}" for i in range(n_series)], length),
            "ds": np.tile(pd.date_range("2020-01-01", periods=length).values, n_series),
            "y": y.ravel(),
        }
    )


def test_row_ranges_hold_whole_series_and_fit_the_budget(tmp_path):
    path = tmp_path / "long.parquet"
    pq.write_table(
        pa.Table.from_pandas(long_frame(50, 37), preserve_index=False), path, row_group_size=100
    )  # row groups cut through series
    units = arrow.plan(path, "unique_id", max_rows=200)
    assert units[0].start == 0 and units[-1].stop == 50 * 37
    assert all(a.stop == b.start for a, b in itertools.pairwise(units))
    assert all(u.rows <= 200 and u.rows % 37 == 0 for u in units)  # whole series only
    frames = [read_prices(u) for u in units]
    assert sum(f.unique_id.nunique() for f in frames) == 50
    pd.testing.assert_frame_equal(
        pd.concat(frames, ignore_index=True), read_prices(path), check_exact=True
    )


def test_ungrouped_rows_are_one_unit(tmp_path):
    path = tmp_path / "mixed.parquet"
    long_frame(6, 10).sample(frac=1, random_state=0).to_parquet(path)
    assert arrow.plan(path, "unique_id", max_rows=20) is None
    groups = parts.partitions(path, memory=20 * parts.ROW_BYTES)
    assert groups == [[str(path)]]


def test_memory_budget_text_and_errors():
    assert parts.memory_budget("2GB") == 2 << 30
    assert parts.memory_budget("500MB") == 500 << 20
    assert parts.memory_budget(None) >= 64 << 20
    with pytest.raises(ConfigError, match="Invalid memory: 'lots'"):
        parts.memory_budget("lots")


BUDGET = 60 << 20  # 60 MB; the file's 600,000 prices need about 240 MB in one piece

CHILD = textwrap.dedent(
    """
    import os, sys, threading, time
    import torch, pandas, pyarrow.parquet  # the imports are not the run's memory
    import weightfit
    from weightfit.engine.partitions import fit_files, partitions
    path, budget, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    page = os.sysconf("SC_PAGE_SIZE")

    def rss():  # resident bytes now (ru_maxrss would count the imports' own peak)
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * page

    # the first fit loads code (lazy imports) and thread pools: not the run's memory
    weightfit.fit(pandas.read_parquet(path).head(3000), "scale", cv=7)
    before, peak, running = rss(), [0], [True]

    def watch():
        while running[0]:
            peak[0] = max(peak[0], rss())
            time.sleep(0.002)

    watcher = threading.Thread(target=watch)
    watcher.start()
    settings = {"model": ["scale"], "cv": 7}
    report = fit_files(path, settings=settings, memory=budget, folder=out + "/kept",
                       output=out + "/table.parquet", forecasts=out + "/forecasts.parquet")
    running[0] = False
    watcher.join()
    peak = peak[0]
    import json
    parts = len(partitions(path, memory=budget))
    json.dump({"grew": peak - before, "overall": report.overall, "parts": parts,
               "kept": report.rows_kept, "gaps": report.gaps}, open(out + "/run.json", "w"))
    """
)


def test_a_file_bigger_than_the_budget_runs_inside_it_and_equals_one_run(tmp_path):
    path = tmp_path / "big.parquet"
    frame = long_frame(6000, 100)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=50_000)
    assert len(frame) * parts.ROW_BYTES > 3 * BUDGET
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(BUDGET), str(tmp_path)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["parts"] >= 4
    print(f"peak grew by {run['grew'] / 2**20:.0f} MB in {run['parts']} partitions")
    assert run["grew"] < BUDGET, f"peak grew by {run['grew'] / 2**20:.0f} MB"
    assert not run["kept"]  # bigger than the budget: the rows went to the files, a part at a time
    alone = wf.fit(read_prices(path), "scale", cv=7)  # oracle: the same fit, in memory at once
    got = pd.read_parquet(tmp_path / "forecasts.parquet")
    pd.testing.assert_frame_equal(got, alone.forecasts, check_exact=True)
    table = pd.read_parquet(tmp_path / "table.parquet")
    pd.testing.assert_frame_equal(table, alone.to_frame(), check_exact=True)
    assert run["overall"] == json.loads(json.dumps(alone.overall))  # bit for bit
    assert run["gaps"] == json.loads(json.dumps(alone.gaps))


def test_json_is_bounded_for_many_series_unless_asked():
    report = wf.fit(long_frame(1200, 40), "scale", test=0.25)
    small = report.to_dict()
    assert "series" not in small and small["series_summary"]["series"] == 1200
    counts = small["series_summary"]["status_counts"]["Scale"]
    assert sum(counts.values()) == 1200
    assert len(report.to_dict(series=True)["series"]) == 1200


@pytest.mark.parametrize("model", [wf.Scale(), wf.Affine(), wf.AutoRegressive(4)], ids=str)
def test_the_objective_on_a_panel_never_builds_the_windows(model):
    frame = long_frame(40, 300, seed=3)
    values, offsets = frame["y"].to_numpy(), np.arange(41) * 300
    lazy = Windows.from_values(values, offsets, model.window)
    objective = wf.Objective(model, lazy)
    fit = wf.minimize(objective, model.initial_weights(40), "lstsq", history=False)
    assert lazy.panel is not None and lazy._parts is None  # no (N, window) windows were made
    built = Windows.from_values(values, offsets, model.window)
    built = Windows(built.x, built.y, built.series, built.n_series, built.origin)  # eager
    # oracle: the per-row statistics (outer products) and the loss predicted row by row
    eager = wf.Objective(model, built)
    torch.testing.assert_close(objective.optimum, eager.optimum, rtol=1e-7, atol=1e-9)
    torch.testing.assert_close(fit.weights, eager.optimum, rtol=1e-7, atol=1e-9)
    w = eager.optimum + 0.001
    torch.testing.assert_close(objective(w), eager.direct(w), rtol=1e-9, atol=0)


def _big_file(tmp_path, n_series=400, length=60):
    path = tmp_path / "big.parquet"
    frame = long_frame(n_series, length, seed=3)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=2000)
    return path


def test_the_cli_on_a_run_bigger_than_its_budget_writes_renders_and_records(tmp_path):
    from weightfit.cli import app
    from weightfit.runs import Store

    from .conftest import run_cli

    path = _big_file(tmp_path)
    out = {k: tmp_path / f"{k}.parquet" for k in ("table", "forecasts")}
    html, pictures, store = tmp_path / "r.html", tmp_path / "plots", tmp_path / "runs.sqlite"
    args = ["fit", str(path), "--cv", "3", "--memory", "2MB", "--runs", str(store)]
    args += ["--output", str(out["table"]), "--forecasts", str(out["forecasts"])]
    done = run_cli(app, [*args, "--report", str(html), "--plot", str(pictures)])
    assert done.exit_code == 0, done.output
    assert "all 400 series" in done.stdout and "verdict over all series" in done.stdout
    alone = wf.fit(read_prices(path), "scale", cv=3)  # oracle: one run in memory
    pd.testing.assert_frame_equal(pd.read_parquet(out["table"]), alone.to_frame())
    pd.testing.assert_frame_equal(pd.read_parquet(out["forecasts"]), alone.forecasts)
    page = html.read_text()
    assert "400 series" in page and "The 10 series with the highest skill" in page
    assert "kept no forecasts in memory" in page
    assert [p.name for p in pictures.iterdir()] == ["skill.png"]
    with Store(store) as s:
        (run,) = s.runs()
        assert run.n_series == 400 and run.overall == json.loads(json.dumps(alone.overall))
        with pytest.raises(ConfigError, match="too big to keep its forecasts"):
            s.forecasts(run.id)
    shown = run_cli(app, [*args, "--json", "--no-record"])
    assert shown.exit_code == 0, shown.output
    got = json.loads(shown.stdout)
    assert got["overall"] == json.loads(json.dumps(alone.overall))
    counts = got["series_summary"]["status_counts"]["Scale"]
    assert counts == alone.scores[alone.scores.model == "Scale"].status.value_counts().to_dict()


def _hourly_file(tmp_path, n_series=300, days=8):
    """Seven hourly bars a day, 10:00 to 16:00: every night a gap."""
    hours = pd.to_datetime(
        [f"2024-03-{4 + d:02d} {h}:00" for d in range(days) for h in range(10, 17)]
    )
    frame = long_frame(n_series, len(hours), seed=5)
    frame["ds"] = np.tile(hours.values, n_series)
    path = tmp_path / "hourly.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return path


@pytest.mark.parametrize(
    "settings",
    [{"cv": 3}, {"test": 0.25}, {"cv": 3, "h": 2}, {"cv": 10, "hourly": True}],
    ids=["cv", "hold-out", "h=2", "night gaps"],
)
def test_a_big_run_resumes_from_its_summaries_to_the_same_answer(tmp_path, settings):
    settings = {"model": ["scale"], **settings}
    hourly = settings.pop("hourly", False)
    path = _hourly_file(tmp_path) if hourly else _big_file(tmp_path, 300, 50)
    groups = parts.partitions(path, memory=4000 * parts.ROW_BYTES)  # 4,000 rows each
    assert len(groups) >= 3
    kept = parts.Checkpoints(tmp_path / "kept")
    first = parts.run(groups, {}, settings, checkpoints=kept, keep=False)
    assert not first.rows_kept and len(first.forecasts) == 0
    with pytest.raises(ConfigError, match="kept no per-series rows"):
        first.to_frame()
    again = parts.run(groups, {}, settings, checkpoints=kept, keep=False)  # all from disk
    assert list(again.scores.columns) == list(first.scores.columns)  # empty, same columns
    alone = wf.fit(read_prices(path), **settings)
    if hourly:
        assert alone.gaps["gap"]["count"] > 0  # forecasts across the nights, set apart
    for report in (first, again):
        assert report.overall == alone.overall  # bit for bit, from the summaries
        assert report.gaps == alone.gaps
    np.testing.assert_array_equal(again.summary.q_values().ravel(), alone.scores.q_value)


def test_a_resumed_big_run_reads_no_rows_a_kept_run_left(tmp_path):
    path = _big_file(tmp_path, 300, 50)
    groups = parts.partitions(path, memory=4000 * parts.ROW_BYTES)
    kept = parts.Checkpoints(tmp_path / "kept")
    settings = {"model": ["scale"], "cv": 3}
    whole = parts.run(groups, {}, settings, checkpoints=kept, keep=True)  # rows on disk
    assert whole.rows_kept and len(whole.forecasts) == 300 * 3
    summed = parts.run(groups, {}, settings, checkpoints=kept, keep=False)
    assert not summed.rows_kept and len(summed.forecasts) == 0
    assert summed.overall == whole.overall


def test_a_csv_written_in_parts_has_one_header(tmp_path):
    from weightfit.atomic import FrameWriter

    path = tmp_path / "t.csv"
    with FrameWriter(path) as w:
        w.write(pd.DataFrame({"a": [], "b": []}))
        w.write(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
        w.write(pd.DataFrame({"a": [3], "b": ["z"]}))
    assert pd.read_csv(path).to_dict("list") == {"a": [1, 2, 3], "b": ["x", "y", "z"]}


def test_two_runs_in_one_folder_keep_their_partitions_apart(tmp_path):
    a = parts.run_folder(tmp_path, "prices/", {}, {"model": ["scale"], "cv": 3})
    b = parts.run_folder(tmp_path, "prices/", {}, {"model": ["ar:5"], "cv": 3})
    assert a != b and a.parent == b.parent == tmp_path  # neither clears the other's
    assert a == parts.run_folder(tmp_path, "prices/", {}, {"model": ["scale"], "cv": 3})
    kept = parts.Checkpoints(a)
    (a / "part-00000").mkdir(parents=True)
    (b / "part-00000").mkdir(parents=True)
    kept.clear()
    assert not a.exists() and (b / "part-00000").is_dir() and tmp_path.is_dir()
    parts.Checkpoints(b).clear()
    assert not tmp_path.exists()  # the last run out removes the shared folder


def _split_file(tmp_path, n_series=300, length=60, at=52):
    """Business days; every seventh series has an unadjusted 2:1 split at row ``at``, its
    volume doubling with it (so the reader is sure of it)."""
    frame = long_frame(n_series, length, seed=7)
    frame["ds"] = np.tile(pd.bdate_range("2020-01-01", periods=length).values, n_series)
    y, volume = frame["y"].to_numpy(), np.full(len(frame), 1e6)
    for s in range(0, n_series, 7):
        y[s * length + at : (s + 1) * length] /= 2
        volume[s * length + at : (s + 1) * length] *= 2
    frame["y"], frame["volume"] = y, volume
    path = tmp_path / "splits.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return path


@pytest.mark.parametrize("kind", ["zoned hourly bars", "excluded splits"])
def test_a_big_run_equals_one_run_on_zoned_bars_and_excluded_splits(tmp_path, kind):
    if kind == "excluded splits":
        path, read = _split_file(tmp_path), {"splits": "exclude"}
    else:
        path, read = _hourly_file(tmp_path), {}
        frame = pd.read_parquet(path)
        frame["ds"] = frame["ds"].dt.tz_localize("America/New_York")
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    settings = {"model": ["scale"], "cv": 12}
    table = tmp_path / "table.parquet"
    big = parts.fit_files(path, read=read, settings=settings, memory=4000 * parts.ROW_BYTES,
                          folder=tmp_path / "kept", output=table)  # fmt: skip
    alone = wf.fit(read_prices(path, **read), **settings)  # oracle: one run in memory
    assert not big.rows_kept
    assert big.overall == alone.overall and big.gaps == alone.gaps
    assert (big.gaps["split"]["count"] if read else big.gaps["gap"]["count"]) > 0
    pd.testing.assert_frame_equal(pd.read_parquet(table), alone.to_frame(), check_exact=True)
