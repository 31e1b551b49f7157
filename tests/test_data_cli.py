"""The data faces: ``weightfit inspect``, ``weightfit fetch``, the samples, atomic output."""

import json

import pandas as pd
import pytest

import weightfit.data.fetch as fetch_module
from weightfit import DataError
from weightfit.atomic import atomic_write, write_frame
from weightfit.cli import app
from weightfit.data import sample, sample_path, tutorial

from .conftest import run_cli
from .test_read_formats import NASDAQ, YAHOO


def test_sample_msft():
    frame = sample("msft")
    assert len(frame) == 7983 and frame.unique_id.unique().tolist() == ["MSFT"]
    assert str(frame.ds.iloc[0].date()) == "1986-03-13"
    assert str(frame.ds.iloc[-1].date()) == "2017-11-10"
    assert frame.attrs["weightfit"]["series"]["MSFT"]["price_column"] == "Close"


def test_tutorial_pair():
    frame = tutorial()
    assert frame.y.tolist() == [420.0, 425.0]


def test_inspect_the_sample():
    result = run_cli(app, ["inspect", str(sample_path("msft")), "--json"])
    assert result.exit_code == 0
    (series,) = json.loads(result.stdout)["series"].values()
    assert series["rows"] == 7983
    assert series["start"].startswith("1986-03-13") and series["end"].startswith("2017-11-10")
    assert series["price_column"] == "Close"
    table = run_cli(app, ["inspect", str(sample_path("msft"))]).stdout
    assert "7983" in table and "1986-03-13" in table and "2017-11-10" in table and "Close" in table


def test_inspect_notes_and_warnings(tmp_path):
    (tmp_path / "n.csv").write_text(NASDAQ)
    result = run_cli(app, ["inspect", str(tmp_path / "n.csv")])
    assert "newest first in the file: sorted oldest first" in result.stdout
    assert "Nasdaq.com" in result.stdout


def test_inspect_bad_file_is_one_line_exit_2(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    result = run_cli(app, ["inspect", str(tmp_path / "empty.csv")])
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == f"weightfit: error: {tmp_path / 'empty.csv'}: the file is empty; nothing to read"
    )


def _yfinance_frame(ticker):
    index = pd.DatetimeIndex(
        pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04"]), name="Date"
    )
    fields = ["Adj Close", "Close", "High", "Low", "Open", "Volume"]
    columns = pd.MultiIndex.from_product([fields, [ticker]], names=["Price", "Ticker"])
    values = [
        [184.9, 185.6, 188.4, 183.9, 187.1, 8e7],
        [183.5, 184.2, 185.9, 183.4, 184.2, 5e7],
        [181.2, 181.9, 183.1, 180.9, 182.1, 7e7],
    ]
    return pd.DataFrame(values, index=index, columns=columns)


def test_fetch_through_a_replaced_download(monkeypatch, tmp_path):
    calls = []

    def download(ticker, **kwargs):
        calls.append((ticker, kwargs))
        return _yfinance_frame(ticker)

    monkeypatch.setattr(fetch_module, "_download", download)
    out = tmp_path / "aapl.csv"
    result = run_cli(app, ["fetch", "AAPL", "--start", "2024-01-01", "--output", str(out)])
    assert result.exit_code == 0, result.stderr
    assert calls == [("AAPL", {"start": "2024-01-01", "end": None, "interval": "1d"})]
    written = pd.read_csv(out)
    assert written.columns.tolist() == ["unique_id", "ds", "y"]
    assert written.y.tolist() == [184.9, 183.5, 181.2]  # the adjusted close
    assert "wrote 3 rows" in result.stdout


def test_fetch_without_yfinance_says_so(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_yfinance(name, *args, **kwargs):
        if name == "yfinance":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_yfinance)
    result = run_cli(app, ["fetch", "AAPL"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "weightfit: error: weightfit fetch needs yfinance: pip install 'weightfit[fetch]'"
    )


def test_fetch_offline_says_so(monkeypatch):
    monkeypatch.setattr(fetch_module, "_download", lambda ticker, **kw: pd.DataFrame())
    result = run_cli(app, ["fetch", "NOPE"])
    assert result.exit_code == 2 and "NOPE: no prices came back (offline" in result.stderr


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.csv"

    def broken(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, broken)
    assert list(tmp_path.iterdir()) == []


def test_write_frame_refuses_unknown_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"expected a file ending in \.csv or \.parquet"):
        write_frame(pd.DataFrame({"a": [1]}), tmp_path / "x.xlsx")


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


def test_yahoo_file_through_the_cli(tmp_path):
    (tmp_path / "AAPL.csv").write_text(YAHOO)
    result = run_cli(app, ["inspect", str(tmp_path / "AAPL.csv"), "--price", "close", "--json"])
    assert json.loads(result.stdout)["series"]["AAPL"]["price_column"] == "Close"


def test_inspect_lists_the_first_series_and_counts_the_rest(tmp_path):
    rows = [f"2024-01-0{d},T{t:03d},{10 + d}" for t in range(50) for d in (2, 3, 4)]
    (tmp_path / "many.csv").write_text("date,ticker,close\n" + "\n".join(rows) + "\n")
    text = run_cli(app, ["inspect", str(tmp_path / "many.csv")]).stdout
    assert "T039" in text and "T040" not in text and "... 10 more" in text
    every = json.loads(run_cli(app, ["inspect", str(tmp_path / "many.csv"), "--json"]).stdout)
    assert len(every["series"]) == 50
