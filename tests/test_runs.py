"""The run store: record, list, show, compare with a test; migration; concurrent and killed
writers."""

import dataclasses
import json
import multiprocessing
import os
import signal
import sqlite3
import time

import numpy as np
import pandas as pd
import pytest
from dieboldmariano import dm_test

import weightfit as wf
from weightfit.cli import app
from weightfit.runs import Store, compare_forecasts, compare_runs
from weightfit.runs.schema import MIGRATIONS, VERSION

from .conftest import run_cli


def walks(n_series=6, length=120, seed=0):
    rng = np.random.default_rng(seed)
    y = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (n_series, length)), axis=1))
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat([f"S{i}" for i in range(n_series)], length),
            "ds": np.tile(pd.bdate_range("2021-01-04", periods=length), n_series),
            "y": y.ravel(),
        }
    )
    frame.attrs["weightfit"] = {"sources": [], "series": {}}
    return frame


@pytest.fixture(scope="module")
def frame():
    return walks()


@pytest.fixture(scope="module")
def report(frame):
    return wf.fit(frame, ["scale", "affine"], test=0.4)


def sharper(report, model="Scale", shrink=0.5):
    """The same report with ``model``'s errors shrunk: truly better on every series."""
    f = report.forecasts.copy()
    f[model] = f["y"] - shrink * (f["y"] - f[model])
    return dataclasses.replace(report, forecasts=f)


def test_record_list_show_and_read_back(tmp_path, frame, report):
    with Store(tmp_path / "runs.sqlite") as store:
        run = store.record(report, data=frame, command="weightfit fit x.csv")
        assert run.complete and run.id == 1 and run.fingerprint == wf.runs.fingerprint(frame)
        assert run.n_series == 6 and run.n_forecasts == len(report.forecasts)
        assert run.settings == report.settings and run.overall["verdict"]
        got = store.forecasts(run.id)
        pd.testing.assert_frame_equal(got, report.forecasts, check_dtype=False)
        long = store.losses(run.id)
        assert len(long) == len(report.forecasts) * len(report.models)
        assert set(long.columns) >= {"unique_id", "ds", "cutoff", "model", "y", "y_hat"}
        again = store.report(run.id)  # a Report again, as the renderers take it
        assert again.series[0]["verdict"] == report.series[0]["verdict"]
        assert again.series[0]["models"]["Scale"]["weight"] == pytest.approx(
            report.series[0]["models"]["Scale"]["weight"]
        )
        store.record(sharper(report), data=frame)
        assert [r.id for r in store.runs()] == [2, 1]  # newest first
        assert [r.id for r in store.runs(data=run.fingerprint[:6])] == [2, 1]
        assert store.runs(data="ffff" if not run.fingerprint.startswith("ffff") else "0") == []
        assert [r.id for r in store.runs(model="affine")] == [2, 1]
        assert store.runs(model="mlp") == []
        with pytest.raises(wf.ConfigError, match=r"no run 9 in .*the latest are 2, 1"):
            store.get(9)
        con = sqlite3.connect(tmp_path / "runs.sqlite")
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA user_version").fetchone()[0] == VERSION


def test_fingerprint_follows_the_data_not_the_copy(frame):
    assert wf.runs.fingerprint(frame) == wf.runs.fingerprint(frame.copy())
    moved = frame.copy()
    moved.loc[5, "y"] += 1e-9
    assert wf.runs.fingerprint(moved) != wf.runs.fingerprint(frame)
    renamed = frame.replace({"unique_id": {"S0": "S9"}})
    assert wf.runs.fingerprint(renamed) != wf.runs.fingerprint(frame)


def test_compare_known_answer_b_truly_better(tmp_path, frame, report):
    with Store(tmp_path / "runs.sqlite") as store:
        a = store.record(report, data=frame)
        b = store.record(sharper(report), data=frame)
        c = compare_runs(store, a.id, b.id, model_a="Scale", model_b="Scale")
    # B's errors are half of A's on every forecast: B wins on every series
    assert c.wins == 6 and c.losses == 0 and c.pooled_p < 1e-6 and c.pooled_dm < 0
    assert c.pooled_skill == pytest.approx(0.75)  # 1 - 0.5^2 on every series
    assert c.summary().startswith("run 2 beats run 1 on 6 of 6 series at a 5% false-discovery")


def test_compare_matches_oracles():
    rng = np.random.default_rng(3)
    n, t = 40, 150
    ds = pd.bdate_range("2020-01-01", periods=t)
    y = rng.normal(size=(n, t))
    scale = rng.uniform(0.5, 2.0, n)[:, None]  # some series louder than others
    truth = np.r_[np.full(10, 0.6), np.ones(n - 10)][:, None]  # 10 series truly better in B
    a_err = rng.normal(size=(n, t)) * scale
    b_err = rng.normal(size=(n, t)) * scale * truth
    base = pd.DataFrame(
        {
            "unique_id": np.repeat([f"X{i:02d}" for i in range(n)], t),
            "ds": np.tile(ds, n),
            "cutoff": np.tile(ds - pd.Timedelta(days=1), n),
            "y": y.ravel(),
        }
    )
    a = base.assign(m=(y + a_err).ravel())
    b = base.assign(m=(y + b_err).ravel()).sample(frac=1, random_state=0)  # order must not matter
    c = compare_forecasts(a, b, "m", "m")
    s = c.series.set_index("unique_id")
    # oracle: the dieboldmariano package, series by series (negative: B's loss lower)
    for i in (0, 17):
        stat, p = dm_test(y[i], y[i] + b_err[i], y[i] + a_err[i], h=1)
        assert s.loc[f"X{i:02d}", "dm"] == pytest.approx(stat, rel=1e-6)
        assert s.loc[f"X{i:02d}", "p_value"] == pytest.approx(p, rel=1e-6)
    # oracle: Benjamini-Hochberg by hand
    p = s["p_value"].to_numpy()
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1)
    np.testing.assert_allclose(s["q_value"].to_numpy()[order], q)
    assert 0 < c.wins <= 10 + 1 and c.losses == 0
    # oracle: the pooled series by hand, tested by the dieboldmariano package
    d = (b_err**2 - a_err**2) / (a_err**2).mean(axis=1, keepdims=True)
    pooled = d.mean(axis=0)
    _, p_pooled = dm_test(
        np.zeros(t), np.sqrt(np.maximum(pooled, 0)), np.sqrt(np.maximum(-pooled, 0)), h=1
    )
    assert c.pooled_p == pytest.approx(p_pooled, rel=1e-6) and c.pooled_p < 0.01


def test_compare_refuses_different_data_unless_forced(tmp_path, frame, report):
    other = walks(seed=1)
    path = str(tmp_path / "runs.sqlite")
    with Store(path) as store:
        store.record(report, data=frame)
        store.record(wf.fit(other, "scale", test=0.4), data=other)
    result = run_cli(app, ["runs", "compare", "1", "2", "--runs", path])
    assert result.exit_code == 2
    assert "ran on different data" in result.stderr and "--force" in result.stderr
    forced = run_cli(app, ["runs", "compare", "1", "2", "--runs", path, "--force", "--json"])
    assert forced.exit_code == 0, forced.stderr
    assert json.loads(forced.stdout)["series"] == 6


def test_cli_fit_records_list_show_export_delete(tmp_path):
    csv = tmp_path / "prices.csv"
    walks(3, 200).rename(columns={"unique_id": "ticker", "ds": "date", "y": "close"}).to_csv(
        csv, index=False
    )
    store = str(tmp_path / "store" / "runs.sqlite")
    for model in ("scale", "affine"):
        done = run_cli(app, ["fit", str(csv), "--model", model, "--runs", store])
        assert done.exit_code == 0, done.stderr
    assert run_cli(app, ["fit", str(csv), "--no-record", "--runs", store]).exit_code == 0
    listed = json.loads(run_cli(app, ["runs", "list", "--runs", store, "--json"]).stdout)
    assert [r["id"] for r in listed["runs"]] == [2, 1]
    assert listed["runs"][0]["command"].startswith("weightfit fit ")  # in-process: the path
    assert "affine" in listed["runs"][0]["command"]
    assert listed["runs"][0]["fingerprint"] == listed["runs"][1]["fingerprint"]
    assert listed["runs"][0]["read"]["files"] == 1
    table = run_cli(app, ["runs", "list", "--runs", store, "--model", "Affine"])
    assert table.exit_code == 0 and "Affine" in table.stdout
    shown = run_cli(app, ["runs", "show", "1", "--runs", store])
    assert "leaderboard" in shown.stdout and "Scale" in shown.stdout
    compared = run_cli(app, ["runs", "compare", "1", "2", "--runs", store])
    assert compared.exit_code == 0, compared.stderr
    assert "run 2 beats run 1 on" in compared.stdout and "pooled p" in compared.stdout
    out = tmp_path / "run.parquet"
    assert run_cli(app, ["runs", "export", "1", "-o", str(out), "--runs", store]).exit_code == 0
    assert set(pd.read_parquet(out).model) >= {"Naive", "Scale"}
    assert run_cli(app, ["runs", "delete", "1", "--runs", store]).exit_code == 0
    listed = json.loads(run_cli(app, ["runs", "list", "--runs", store, "--json"]).stdout)
    assert [r["id"] for r in listed["runs"]] == [2]
    assert not (tmp_path / "store" / "runs.sqlite.d" / "run-000001").exists()
    bad = run_cli(app, ["runs", "show", "abc", "--runs", store])
    assert bad.exit_code == 2 and "Invalid run id 'abc'" in bad.stderr


def test_search_is_recorded_where_the_environment_says(tmp_path, monkeypatch):
    csv = tmp_path / "prices.csv"
    walks(1, 100).rename(columns={"ds": "date", "y": "close"}).drop(columns="unique_id").to_csv(
        csv, index=False
    )
    path = tmp_path / "elsewhere.sqlite"
    monkeypatch.setenv("WEIGHTFIT_RUNS", str(path))
    done = run_cli(app, ["search", str(csv), "--strategies", "lstsq,golden"])
    assert done.exit_code == 0, done.stderr
    with Store(path) as store:
        (run,) = store.runs()
    assert run.kind == "search" and [r["strategy"] for r in run.leaderboard][:1] == ["lstsq"]
    with pytest.raises(wf.ConfigError, match="search run: it kept no forecasts"):
        Store(path).forecasts(run.id)


def test_migration_from_version_1(tmp_path, frame, report):
    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)  # a store as the first schema wrote it
    con.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
    keys = ["unique_id", "ds", "cutoff", "y"]
    long = report.forecasts.melt(id_vars=keys, var_name="model", value_name="y_hat")
    con.execute(
        "INSERT INTO runs (time, kind, command, version, fingerprint, n_series, n_forecasts, "
        "models, fitted, metrics, settings, read, overall, leaderboard) "
        "VALUES (?, 'fit', 'weightfit fit old.csv', '0.0.9', ?, 6, ?, ?, ?, ?, '{}', '{}', ?, ?)",
        (
            "2024-01-01T00:00:00+00:00",
            wf.runs.fingerprint(frame),
            len(report.forecasts),
            json.dumps(report.models),
            json.dumps(report.fitted),
            json.dumps(report.metrics),
            json.dumps(report.overall),
            json.dumps([{"model": "Scale", "skill": 0.0}, {"model": "Affine", "skill": -1.0}]),
        ),
    )
    con.executemany(
        "INSERT INTO losses VALUES (1, ?, ?, ?, ?, ?, ?)",
        [(r.unique_id, str(r.ds), str(r.cutoff), r.model, r.y, r.y_hat) for r in long.itertuples()],
    )
    con.commit()
    con.close()
    with Store(path) as store:
        (old,) = store.runs()
        assert old.complete and old.version == "0.0.9" and old.git_commit is None
        pd.testing.assert_frame_equal(store.forecasts(old.id), report.forecasts, check_dtype=False)
        new = store.record(sharper(report), data=frame)
        c = compare_runs(store, old.id, new.id)  # the old run pairs with a new one
        assert c.model_a == "Scale" and c.wins == 6
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == VERSION


def _writer(path, report, frame, count):
    with Store(path) as store:
        for _ in range(count):
            store.record(report, data=frame)


def test_concurrent_writers_lose_nothing(tmp_path, frame, report):
    path = tmp_path / "runs.sqlite"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(path, report, frame, 3)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with Store(path) as store:
        runs = store.runs()
        assert len(runs) == 12 and len({r.id for r in runs}) == 12
        assert all(r.complete for r in runs)
        assert all(len(store.forecasts(r.id)) == len(report.forecasts) for r in runs)


def _record_forever(path, report, frame):
    with Store(path) as store:
        while True:
            store.record(report, data=frame)


def test_killed_writer_leaves_a_store_that_opens(tmp_path):
    big = walks(300, 400, seed=2)  # a large payload: each run takes a while to record
    report = wf.fit(big, "scale", test=0.5)
    path = tmp_path / "runs.sqlite"
    ctx = multiprocessing.get_context("fork")
    writer = ctx.Process(target=_record_forever, args=(path, report, big))
    writer.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.05)
        if path.exists() and len(Store(path).runs()) >= 3:
            break
    time.sleep(0.07)  # somewhere in the middle of the next one
    os.kill(writer.pid, signal.SIGKILL)
    writer.join()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Store(path) as store:
        runs = store.runs()
        done = [r for r in runs if r.complete]
        assert len(done) >= 2 and len(runs) - len(done) <= 1
        for r in done:
            assert len(store.forecasts(r.id)) == len(report.forecasts)
        for r in runs:
            if not r.complete:
                with pytest.raises(wf.ConfigError, match="incomplete"):
                    store.forecasts(r.id)
                store.delete(r.id)
        store.record(report, data=big)  # and it keeps recording
