"""What a run ran on: a fingerprint of the data, the weightfit version and the git commit."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def fingerprint(frame: pd.DataFrame) -> str:
    """A 16-hex-digit hash of a long frame's ``unique_id, ds, y`` (row order counts; the
    reader sorts). Equal data, equal fingerprint, whatever file it came from.

    >>> frame = pd.DataFrame({"unique_id": ["A", "A"], "ds": [1, 2], "y": [1.0, 2.0]})
    >>> fingerprint(frame) == fingerprint(frame.copy()), len(fingerprint(frame))
    (True, 16)
    """
    uid = frame["unique_id"].to_numpy()
    # the reader keeps each series' rows together: hash each run of one id once, with its
    # length, instead of every row's id string (3x faster at 6 million rows)
    starts = run_starts(uid)
    runs = pd.DataFrame(
        {"unique_id": uid[starts].astype(str), "length": np.diff(np.r_[starts, len(uid)])}
    )
    h = hashlib.sha256(pd.util.hash_pandas_object(runs, index=False).to_numpy().tobytes())
    ds = frame["ds"]
    if isinstance(ds.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(ds):
        h.update(pd.DatetimeIndex(ds).asi8.tobytes())  # ns since the epoch, UTC: raw bytes
    else:
        h.update(pd.util.hash_pandas_object(ds, index=False).to_numpy().tobytes())
    h.update(frame["y"].to_numpy(np.float64).tobytes())
    return h.hexdigest()[:16]


def run_starts(values: np.ndarray) -> np.ndarray:
    """The first index of each run of equal values: (R,) int.

    >>> run_starts(np.array(["a", "a", "b", "a"])).tolist()
    [0, 2, 3]
    """
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    return np.r_[0, np.flatnonzero(values[1:] != values[:-1]) + 1]


def report_fingerprint(report: Any) -> str:
    """A fingerprint from what a ``Report`` keeps when the frame itself is not at hand: each
    series' id, length, first and last date, and every forecast's target (the series alone for
    a report that kept no rows). Marked ``fingerprint_of = "forecasts"`` (or ``"series"``) in
    the store; comparable only with its own kind."""
    d = report.describe
    ids = report.summary.ids().astype(str)
    series = pd.DataFrame(
        {"unique_id": ids, "rows": d["rows"], "start": d["start"], "end": d["end"]}
    )
    if not report.rows_kept:  # a run too big to keep its forecasts: the series alone
        return _digest(series)
    targets = report.forecasts[["unique_id", "ds", "cutoff", "y"]]
    return _digest(series, targets)


def _digest(*frames: pd.DataFrame) -> str:
    h = hashlib.sha256()
    for frame in frames:
        h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


def git_commit(folder: str | Path = ".") -> str | None:
    """The commit checked out in ``folder``, or None (no git, not a repository, too slow)."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and len(commit) == 40 else None
