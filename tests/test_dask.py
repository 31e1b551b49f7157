"""Partitions on a real Dask cluster (a LocalCluster of 2 worker processes on loopback):
the same results as a local run, exactly, even when a worker is killed mid-run."""

import json
import os

import numpy as np
import pandas as pd
import pytest

from weightfit.cli import app
from weightfit.engine import partitions as parts
from weightfit.errors import WeightfitError

from .conftest import run_cli

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """40 Parquet files, one ticker each, of different lengths."""
    path = tmp_path_factory.mktemp("prices")
    rng = np.random.default_rng(0)
    for i in range(40):
        n = 120 + 7 * i
        y = 30 * np.exp(np.cumsum(rng.normal(0.0003, 0.015, n)))
        frame = pd.DataFrame({"Date": pd.bdate_range("2021-01-04", periods=n), "Close": y})
        frame.to_parquet(path / f"T{i:03d}.parquet")
    return path


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


READ = {"duplicates": "error"}
FIT = {"model": ["scale", "ar:3"], "search": "lstsq", "test": 0.25}


def test_dask_equals_local_exactly(folder, client):
    groups = parts.partitions(folder, files_per_partition=3)
    local = parts.run(groups, READ, FIT)
    remote = parts.run(groups, READ, FIT, client=client)
    pd.testing.assert_frame_equal(local.forecasts, remote.forecasts, check_exact=True)
    pd.testing.assert_frame_equal(local.scores, remote.scores, check_exact=True)
    assert local.to_dict() == remote.to_dict()
    assert len(local.series) == 40


def test_a_killed_worker_loses_and_duplicates_nothing(folder, client):
    groups = parts.partitions(folder, files_per_partition=1)
    expected = parts.run(groups, READ, FIT)
    killed = []

    async def die():  # a coroutine, so the client need not wait for an answer it never gets
        os._exit(1)

    def kill_one(progress):
        if not killed:  # after the first result: one worker dies with tasks in hand
            address = sorted(client.scheduler_info()["workers"])[0]
            client.run(die, workers=[address], wait=False)
            killed.append(address)

    got = parts.run(groups, READ, FIT, client=client, callback=kill_one)
    assert killed
    assert sorted(got.forecasts.unique_id.unique()) == sorted(expected.forecasts.unique_id.unique())
    pd.testing.assert_frame_equal(expected.forecasts, got.forecasts, check_exact=True)
    assert expected.to_dict() == got.to_dict()


def test_cli_same_results_with_and_without_dask(folder):
    args = ["fit", str(folder), "--json", "--files-per-partition", "8"]
    alone = run_cli(app, args)
    dask = run_cli(app, [*args, "--dask", "local:2"])
    assert alone.exit_code == dask.exit_code == 0, dask.stderr
    assert alone.stdout == dask.stdout


def test_interrupt_keeps_finished_partitions_and_resume_finishes(folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    groups = parts.partitions(folder, files_per_partition=4)
    checkpoints = parts.Checkpoints(tmp_path / ".weightfit-resume")
    real = parts.fit_partition
    calls = []
    pressed = []

    def flaky(files, read, fit, *more):  # Ctrl-C, once, during the fourth partition
        calls.append(files)
        if len(calls) == 4 and not pressed:
            pressed.append(True)
            raise KeyboardInterrupt
        return real(files, read, fit, *more)

    monkeypatch.setattr(parts, "fit_partition", flaky)
    with pytest.raises(parts.Interrupted, match="interrupted after 3 of 10 partitions"):
        parts.run(groups, READ, FIT, checkpoints=checkpoints)
    assert len(list(checkpoints.folder.glob("part-*/report.json"))) == 3
    calls.clear()
    resumed = parts.run(groups, READ, FIT, checkpoints=checkpoints)
    assert len(calls) == 7  # only the partitions that had not finished
    monkeypatch.setattr(parts, "fit_partition", real)
    assert resumed.to_dict() == parts.run(groups, READ, FIT).to_dict()


def test_bad_dask_address_is_one_line(folder):
    result = run_cli(app, ["fit", str(folder), "--dask", "udp://nowhere"])
    assert result.exit_code == 2
    assert "Invalid --dask 'udp://nowhere': expected local[:N] or tcp://HOST:PORT" in result.stderr


def test_resume_recomputes_only_partitions_whose_files_changed(folder, tmp_path):
    copy = tmp_path / "prices"
    copy.mkdir()
    for f in sorted(folder.iterdir())[:8]:
        (copy / f.name).write_bytes(f.read_bytes())
    groups = parts.partitions(copy, files_per_partition=2)
    checkpoints = parts.Checkpoints(tmp_path / "kept")
    seen = []
    parts.run(groups, READ, FIT, checkpoints=checkpoints)
    changed = pd.read_parquet(copy / "T005.parquet")
    changed["Close"] *= 1.5  # same name, same size class, other content
    changed.to_parquet(copy / "T005.parquet")
    resumed = parts.run(groups, READ, FIT, checkpoints=checkpoints, callback=seen.append)
    assert (seen[-1].reused, seen[-1].stale) == (3, 1)
    fresh = parts.run(groups, READ, FIT)
    assert resumed.to_dict() == fresh.to_dict()


def test_a_planted_checkpoint_runs_no_code(folder, tmp_path, monkeypatch):
    """Nothing in the resume folder is unpickled: a pickle planted there is never opened, and a
    forged report.json is refused as data, with one line."""
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "pwned"
    payload = (
        b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."
    )  # pickle protocol 0: os.system("touch ...")
    kept = tmp_path / ".weightfit-resume"
    (kept / "part-00000").mkdir(parents=True)
    (kept / "part-00000.pkl").write_bytes(payload)
    (kept / "part-00000" / "report.pkl").write_bytes(payload)
    result = run_cli(app, ["fit", str(folder), "--resume", "--files-per-partition", "20"])
    assert result.exit_code == 0, result.stderr
    assert not marker.exists()
    groups = parts.partitions(folder, files_per_partition=20)
    key = parts.partition_key(groups[0], READ, FIT)
    (kept / "part-00000").mkdir(parents=True, exist_ok=True)  # the finished run cleared it
    (kept / "part-00000" / "report.json").write_text(json.dumps({"key": key, "schema": "x"}))
    with pytest.raises(WeightfitError, match="not a weightfit checkpoint"):
        parts.run(groups, READ, FIT, checkpoints=parts.Checkpoints(kept))
    assert not marker.exists()
