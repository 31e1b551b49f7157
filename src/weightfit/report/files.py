"""Output files, written atomically: a failed run leaves no half-written file behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from weightfit.errors import ConfigError

FRAME_SUFFIXES = (".csv", ".parquet", ".pq")


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_frame(frame: pd.DataFrame, path: str | Path) -> Path:
    """A frame to ``.csv`` or ``.parquet``, atomically."""
    suffix = Path(path).suffix.lower()
    if suffix not in FRAME_SUFFIXES:
        raise ConfigError(
            f"Invalid output {str(path)!r}: expected a file ending in .csv or .parquet"
        )
    plain = frame.copy()
    plain.attrs = {}
    if suffix == ".csv":
        return atomic_write(path, lambda tmp: plain.to_csv(tmp, index=False))
    return atomic_write(path, lambda tmp: plain.to_parquet(tmp, index=False))
