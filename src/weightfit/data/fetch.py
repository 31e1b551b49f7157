"""``fetch``: download a price history through yfinance (the optional ``fetch`` extra)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from weightfit.data.read import read_prices
from weightfit.errors import ConfigError, DataError

INTERVALS = ("1m", "2m", "5m", "15m", "30m", "60m", "90m", "1h", "1d", "5d", "1wk", "1mo", "3mo")


def _download(ticker: str, **kwargs: Any) -> pd.DataFrame:
    try:
        import yfinance
    except ImportError:
        raise ConfigError(
            "weightfit fetch needs yfinance: pip install 'weightfit[fetch]'"
        ) from None
    try:
        return yfinance.download(ticker, progress=False, auto_adjust=False, **kwargs)
    except Exception as e:  # network errors come in many types
        raise DataError(f"{ticker}: the download failed ({e}); are you online?") from None


def fetch(
    ticker: str, *, start: str | None = None, end: str | None = None, interval: str = "1d"
) -> pd.DataFrame:
    """Prices of ``ticker`` as a long frame (through ``read_prices``, so Adj Close is used)."""
    if interval not in INTERVALS:
        raise ConfigError(f"Invalid interval {interval!r}: expected one of {', '.join(INTERVALS)}")
    for flag, value in (("start", start), ("end", end)):
        if value is not None:
            try:
                pd.Timestamp(value)
            except (ValueError, TypeError, OverflowError):
                raise ConfigError(f"Invalid --{flag} {value!r}: a date, YYYY-MM-DD") from None
    raw = _download(ticker, start=start, end=end, interval=interval)
    if raw is None or len(raw) == 0:
        raise DataError(
            f"{ticker}: no prices came back (offline, an unknown ticker, or no data between "
            f"{start or 'the start'} and {end or 'today'})"
        )
    frame = read_prices(raw)
    if set(frame["unique_id"]) == {"series"}:
        frame["unique_id"] = ticker
    return frame
