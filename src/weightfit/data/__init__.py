"""Price files in, a long frame (``unique_id, ds, y``) out; the bundled samples."""

from __future__ import annotations

import pandas as pd

from weightfit.data.bundled import sample_path
from weightfit.data.read import expand_paths, read_prices
from weightfit.data.sessions import gap_mask


def sample(name: str = "msft") -> pd.DataFrame:
    """A bundled real price history as a long frame, the id in upper case.

    ``"msft"``: daily Microsoft 1986-03-13 .. 2017-11-10, 7983 rows, from pmdarima (MIT).

    >>> frame = sample("msft")
    >>> len(frame), str(frame.ds.iloc[0].date()), str(frame.ds.iloc[-1].date())
    (7983, '1986-03-13', '2017-11-10')
    """
    frame = read_prices(sample_path(name))
    uid = name.upper()
    frame["unique_id"] = uid
    meta = frame.attrs["weightfit"]
    meta["series"] = {uid: meta["series"][name]}
    return frame


def tutorial() -> pd.DataFrame:
    """The tutorial's single pair: a price of 420 followed by 425 (one series, two rows)."""
    frame = pd.DataFrame(
        {
            "unique_id": ["TSLA", "TSLA"],
            "ds": pd.to_datetime(["2020-01-01 09:30", "2020-01-01 09:31"]),
            "y": [420.0, 425.0],
        }
    )
    frame.attrs["weightfit"] = {"sources": [], "series": {}}
    return frame


__all__ = ["expand_paths", "gap_mask", "read_prices", "sample", "sample_path", "tutorial"]
