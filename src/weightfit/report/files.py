"""Output files, written atomically: a failed run leaves no half-written file behind."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from weightfit.atomic import atomic_write
from weightfit.errors import ConfigError

FRAME_SUFFIXES = (".csv", ".parquet", ".pq")


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
