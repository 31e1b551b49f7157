"""Data you can trust: splits, sessions and gaps, headers that lie, local and odd layouts,
spreadsheets. Each file is written by the test in the shape people really have."""

import numpy as np
import pandas as pd
import pytest

from weightfit.cli import app
from weightfit.data import read_prices, sample
from weightfit.data.sessions import gap_mask
from weightfit.errors import DataError

from .conftest import run_cli


def _write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _bars(n=60, split_at=None, ratio=1.0, move=0.0, crash=None, seed=0):
    """Daily OHLCV text: a quiet random walk; a split (price / ratio, volume * ratio) or a crash."""
    rng = np.random.default_rng(seed)
    r = rng.normal(0, 0.01, n)
    volume = 1e6 * np.exp(rng.normal(0, 0.2, n))
    if split_at is not None:
        r[split_at] = np.log((1 + move) / ratio)
        volume[split_at:] *= ratio
    if crash is not None:
        r[crash] = np.log(0.7)
        volume[crash : crash + 3] *= 3  # the crash day's rush, then back to normal
    close = 100 * np.exp(np.cumsum(r))
    days = pd.bdate_range("2024-01-02", periods=n)
    lines = ["Date,Open,High,Low,Close,Volume"]
    for d, c, v in zip(days, close, volume, strict=True):
        lines.append(f"{d.date()},{c:.4f},{c * 1.01:.4f},{c * 0.99:.4f},{c:.4f},{v:.0f}")
    return "\n".join(lines) + "\n", close


def test_split_on_a_day_that_also_moved_is_found_and_adjusted(tmp_path):
    text, close = _bars(split_at=40, ratio=5, move=0.12)  # price ratio 0.224
    path = _write(tmp_path, "s.csv", text)
    frame = read_prices(path)
    s = frame.attrs["weightfit"]["series"]["s"]
    (split,) = s["splits"]
    assert split["ratio"] == "5:1" and split["confidence"] == "high" and split["acted_on"]
    assert split["date"] == str(pd.bdate_range("2024-01-02", periods=60)[40].date())
    assert "ADJUSTED" in s["warnings"][0] and "--keep-splits" in s["warnings"][0]
    np.testing.assert_allclose(frame.y.to_numpy()[:40], close[:40] / 5, rtol=1e-4)
    kept = read_prices(path, splits="keep")
    np.testing.assert_allclose(kept.y.to_numpy(), close, rtol=1e-4)
    assert "kept as is" in kept.attrs["weightfit"]["series"]["s"]["warnings"][0]


def test_reverse_split_without_volume(tmp_path):
    _, close = _bars(split_at=30, ratio=0.1, move=-0.05)
    days = pd.bdate_range("2024-01-02", periods=60)
    text = "Date,Close\n" + "".join(
        f"{d.date()},{c:.4f}\n" for d, c in zip(days, close, strict=True)
    )
    (split,) = read_prices(_write(tmp_path, "r.csv", text)).attrs["weightfit"]["series"]["r"][
        "splits"
    ]
    assert split["ratio"] == "1:10" and split["confidence"] == "medium"


def test_a_crash_is_not_a_split(tmp_path):
    text, close = _bars(crash=30)
    frame = read_prices(_write(tmp_path, "c.csv", text))
    s = frame.attrs["weightfit"]["series"]["c"]
    assert not [x for x in s["splits"] if x["acted_on"]] and s["warnings"] == []
    np.testing.assert_allclose(frame.y.to_numpy(), close, rtol=1e-4)


def test_a_bad_tick_that_reverts_is_not_a_split(tmp_path):
    days = pd.bdate_range("2024-01-02", periods=8)
    prices = [100, 101, 100.5, 50.2, 100.7, 101, 100.8, 101.2]
    text = "Date,Close\n" + "".join(f"{d.date()},{p}\n" for d, p in zip(days, prices, strict=True))
    s = read_prices(_write(tmp_path, "t.csv", text)).attrs["weightfit"]["series"]["t"]
    assert s["splits"] == [] and "bad tick" in " ".join(s["notes"])


def test_sample_has_no_split_acted_on():
    s = sample("msft").attrs["weightfit"]["series"]["MSFT"]
    assert [x for x in s["splits"] if x["acted_on"]] == []
    assert "Stooq" not in s["format"] and "OHLCV" in s["format"]


def _intraday():
    days = [
        pd.date_range(f"2024-01-{d} 09:30", f"2024-01-{d} 15:59", freq="1min")
        for d in ("03", "04", "05", "08")
    ]
    ds = days[0].append(days[1:]).delete(1000)  # one missing bar on the 5th
    pre = pd.DatetimeIndex(["2024-01-08 08:00", "2024-01-08 16:30"])  # outside the session
    return ds.append(pre).sort_values()


def test_gap_mask_and_bar_size_of_intraday_bars(tmp_path):
    ds = _intraday()
    text = "Datetime,Close\n" + "".join(f"{d},{100 + i * 1e-3:.3f}\n" for i, d in enumerate(ds))
    frame = read_prices(_write(tmp_path, "m.csv", text))
    gaps = gap_mask(frame)
    # oracle: a regular step is one minute exactly
    expected = np.r_[True, np.diff(frame.ds.to_numpy()) != np.timedelta64(1, "m")]
    assert (gaps == expected).all() and gaps.sum() == 7  # 3 nights, 1 missing, 3 off-session
    s = frame.attrs["weightfit"]["series"]["m"]
    assert s["bar_size"] == f"1min, 6 of {len(ds) - 1:,} steps longer: gaps"
    assert s["session"] == "09:30..15:59 Mon,Wed,Thu,Fri, 390 bars a day"
    assert s["time_zone"] == "no zone; exchange time assumed"


def test_daily_gaps_are_holidays_not_weekends():
    frame = pd.DataFrame(
        {
            "unique_id": "A",
            "ds": pd.to_datetime(["2024-12-23", "2024-12-24", "2024-12-26", "2024-12-27"]).append(
                pd.to_datetime(["2024-12-30"])
            ),
            "y": 1.0,
        }
    )
    assert gap_mask(frame).tolist() == [True, False, True, False, False]


def test_regular_session_with_an_exchange_calendar(tmp_path):
    ds = _intraday()
    text = "Datetime,Close\n" + "".join(f"{d},{100 + i * 1e-3:.3f}\n" for i, d in enumerate(ds))
    path = _write(tmp_path, "m.csv", text)
    frame = read_prices(path, session="regular", exchange="XNYS", tz="America/New_York")
    assert len(frame) == len(ds) - 2
    assert frame.attrs["weightfit"]["sources"][0]["dropped"] == {
        "outside the XNYS regular session": 2
    }
    assert frame.attrs["weightfit"]["series"]["m"]["time_zone"] == "America/New_York (--tz)"
    with pytest.raises(DataError, match="--session regular needs --exchange"):
        read_prices(path, session="regular")
    with pytest.raises(DataError, match="no such exchange calendar"):
        read_prices(path, session="regular", exchange="NOPE")


def test_zoned_timestamps_say_their_zone(tmp_path):
    text = "time,close\n" + "".join(f"2024-01-02T{h:02d}:00:00Z,{100 + h}\n" for h in range(14, 20))
    s = read_prices(_write(tmp_path, "z.csv", text)).attrs["weightfit"]["series"]["z"]
    assert s["time_zone"] == "UTC" and s["time_of_day"] == "14:00..19:00"


SHIFTED = """Date,Open,High,Low,Close,Volume,Ticker
AAPL,2024-01-02,187.15,188.44,183.89,185.64,82488700
AAPL,2024-01-03,184.22,185.88,183.43,184.25,58414500
AAPL,2024-01-04,182.15,183.09,180.88,181.91,71983600
AAPL,2024-01-05,181.99,182.76,180.17,181.18,62303300
"""


def test_header_shifted_by_one_is_realigned_loudly(tmp_path):
    frame = read_prices(_write(tmp_path, "shift.csv", SHIFTED))
    assert frame.y.tolist() == [185.64, 184.25, 181.91, 181.18]
    assert frame.unique_id.unique().tolist() == ["AAPL"]
    (warning,) = frame.attrs["weightfit"]["sources"][0]["warnings"]
    assert "REALIGNED the header" in warning and "'Date' column holds 'AAPL'" in warning


def test_ambiguous_dates_refuse_with_a_flag_that_works(tmp_path):
    text = (
        "Date,Trade,Settle,Close\nAAPL,2024-01-02,2024-01-04,1.5\nAAPL,2024-01-03,2024-01-05,1.6\n"
        "AAPL,2024-01-04,2024-01-08,1.7\n"
    )
    path = _write(tmp_path, "amb.csv", text)
    with pytest.raises(
        DataError, match=r"cannot tell which column holds the dates \(one of \[1, 2\]\)"
    ):
        read_prices(path)
    frame = read_prices(path, date=1, price=3)  # the flags the message names
    assert frame.y.tolist() == [1.5, 1.6, 1.7]


def test_price_flag_on_the_high_warns(tmp_path):
    text, _ = _bars(n=10)
    frame = read_prices(_write(tmp_path, "h.csv", text), price="High")
    (warning,) = frame.attrs["weightfit"]["sources"][0]["warnings"]
    assert "--price 'High'" in warning and "the close is 'Close'" in warning


def test_high_that_is_not_the_maximum_is_said(tmp_path):
    text = "Date,Open,High,Low,Close\n" + "".join(
        f"2024-01-0{d},10,9,8,10.5\n" for d in range(2, 6)
    )
    frame = read_prices(_write(tmp_path, "hl.csv", text))
    (warning,) = frame.attrs["weightfit"]["sources"][0]["warnings"]
    assert "'High' column is the row maximum in only 0% of rows" in warning


LOCAL = {
    "german": ("Datum;Erster;Hoch;Tief;Schlusskurs;Stück", "Schlusskurs"),
    "french": ("Date;Ouverture;Plus haut;Plus bas;Clôture;Volume", "Clôture"),
    "spanish": ("Fecha;Apertura;Máximo;Mínimo;Cierre;Volumen", "Cierre"),
    "italian": ("Data;Apertura;Massimo;Minimo;Chiusura;Volume", "Chiusura"),
    "portuguese": ("Data;Abertura;Máxima;Mínima;Fechamento;Volume", "Fechamento"),
    "dutch": ("Datum;Open;Hoog;Laag;Slot;Volume", "Slot"),
}


@pytest.mark.parametrize("language", list(LOCAL))
def test_local_headers_in_latin1_with_preamble(tmp_path, language):
    header, price = LOCAL[language]
    text = (
        f"Kurshistorie ABC AG\n;;;;;\nExportiert am 05.01.2024\n{header}\n"
        "02.01.2024;10,50;10,90;10,10;10,80;1.200\n03.01.2024;10,80;11,20;10,70;11,00;1.500\n"
        "04.01.2024;11,00;11,10;10,60;10,75;900\n"
    )
    frame = read_prices(_write(tmp_path, "abc.csv", text, "latin-1"))
    rec = frame.attrs["weightfit"]["sources"][0]
    assert frame.y.tolist() == [10.8, 11.0, 10.75]
    assert rec["price_column"] == price
    assert rec["encoding"] == ("utf-8" if header.isascii() else "cp1252")
    assert "skipped 3 preamble line(s) before the header" in rec["notes"]


WIDE = "Date,alpha fund,beta fund\n2024-01-02,10,20\n2024-01-03,11,21\n2024-01-04,12,22\n"


def test_wide_file_with_any_names(tmp_path):
    path = _write(tmp_path, "w.csv", WIDE)
    frame = read_prices(path)
    assert sorted(frame.unique_id.unique()) == ["alpha fund", "beta fund"]
    assert "one series each" in " ".join(frame.attrs["weightfit"]["sources"][0]["notes"])
    assert read_prices(path, price="beta fund").y.tolist() == [20.0, 21.0, 22.0]
    text, _ = _bars(n=5)
    forced = read_prices(_write(tmp_path, "f.csv", text), wide=True)
    assert sorted(forced.unique_id.unique()) == ["Close", "High", "Low", "Open", "Volume"]


def _workbook(path, engine):
    rows = [["Prices of ABC", None], [None, None], ["Date", "Close"]]
    rows += [[pd.Timestamp(f"2024-01-0{d}"), 10.0 + d] for d in range(2, 6)]
    pd.DataFrame(rows).to_excel(path, header=False, index=False, engine=engine)


@pytest.mark.parametrize(("name", "engine"), [("p.xlsx", "openpyxl"), ("p.ods", "odf")])
def test_spreadsheets(tmp_path, name, engine):
    path = tmp_path / name
    _workbook(path, engine)
    frame = read_prices(path)
    assert frame.y.tolist() == [12.0, 13.0, 14.0, 15.0]
    rec = frame.attrs["weightfit"]["sources"][0]
    assert rec["format"].startswith(f"{name[2:]} workbook, sheet 'Sheet1'")
    assert "skipped 2 preamble line(s) before the header" in rec["notes"]


def test_excel_bytes_are_recognised_whatever_the_name(tmp_path):
    path = tmp_path / "really.xlsx"
    _workbook(path, "openpyxl")
    renamed = tmp_path / "prices.csv"
    renamed.write_bytes(path.read_bytes())
    assert read_prices(renamed).y.tolist() == [12.0, 13.0, 14.0, 15.0]
    with pytest.raises(DataError, match="no sheet 'Other'; the sheets are 'Sheet1'"):
        read_prices(renamed, sheet="Other")


def test_format_names_describe_the_layout(tmp_path):
    text = "timestamp,open,high,low,close,volume\n" + "".join(
        f"2024-01-0{d},1,2,0.5,1.5,100\n" for d in range(2, 6)
    )
    rec = read_prices(_write(tmp_path, "av.csv", text)).attrs["weightfit"]["sources"][0]
    assert rec["format"] == "lower-case OHLCV with a 'timestamp' column"


def test_cli_reading_flags(tmp_path):
    text, _ = _bars(split_at=40, ratio=2)
    path = _write(tmp_path, "s.csv", text)
    result = run_cli(app, ["inspect", str(path), "--keep-splits"])
    assert result.exit_code == 0 and "kept as is (--keep-splits)" in result.output
    result = run_cli(app, ["inspect", str(path), "--session", "regular"])
    assert result.exit_code == 2
