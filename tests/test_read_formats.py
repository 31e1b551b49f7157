"""Every format ``read_prices`` recognises, each from a small file written in that exact layout."""

import gzip
import io
import zipfile

import pandas as pd
import pytest

from weightfit.data import read_prices

YAHOO = """Date,Open,High,Low,Close,Adj Close,Volume
2024-01-02,187.15,188.44,183.89,185.64,184.94,82488700
2024-01-03,184.22,185.88,183.43,184.25,183.55,58414500
2024-01-04,182.15,183.09,180.88,181.91,181.22,71983600
2024-01-05,181.99,182.76,180.17,181.18,180.49,62303300
"""

YFINANCE = """Price,Close,High,Low,Open,Volume
Ticker,AAPL,AAPL,AAPL,AAPL,AAPL
Date,,,,,
2024-01-02,184.94,187.71,182.97,186.29,82488700
2024-01-03,183.55,184.98,182.69,183.02,58414500
2024-01-04,181.22,182.37,180.17,181.44,71983600
"""

YFINANCE_MULTI = """Price,Close,Close,Volume,Volume
Ticker,AAPL,MSFT,AAPL,MSFT
Date,,,,
2024-01-02,184.94,370.87,82488700,25258600
2024-01-03,183.55,370.60,58414500,23083500
2024-01-04,181.22,367.94,71983600,20901500
"""

SPREADSHEET = "Date,Close\n1/2/2024,185.64\n1/3/2024,184.25\n1/4/2024,181.91\n1/12/2024,185.92"

STOOQ = """Date,Open,High,Low,Close,Volume
2024-01-02,187.15,188.44,183.89,185.64,82488700
2024-01-03,184.22,185.88,183.43,184.25,58414500
2024-01-04,182.15,183.09,180.88,181.91,71983600
"""

STOOQ_BULK = """<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>
AAPL.US,5,20240102,153000,187.15,188.0,187.0,187.5,1000,0
AAPL.US,5,20240102,153500,187.5,187.9,187.2,187.3,900,0
AAPL.US,5,20240102,154000,187.3,187.6,187.1,187.4,800,0
MSFT.US,5,20240102,153000,370.0,371.0,369.5,370.5,500,0
MSFT.US,5,20240102,153500,370.5,370.9,370.1,370.2,400,0
MSFT.US,5,20240102,154000,370.2,370.4,369.8,370.0,300,0
"""

ALPHA = """timestamp,open,high,low,close,volume
2024-01-05,181.99,182.76,180.17,181.18,62303300
2024-01-04,182.15,183.09,180.88,181.91,71983600
2024-01-03,184.22,185.88,183.43,184.25,58414500
"""

ALPHA_JSON = """date,1. open,2. high,3. low,4. close,5. adjusted close,6. volume
2024-01-05,181.99,182.76,180.17,181.18,180.49,62303300
2024-01-04,182.15,183.09,180.88,181.91,181.22,71983600
2024-01-03,184.22,185.88,183.43,184.25,183.55,58414500
"""

NASDAQ = """Date,Close/Last,Volume,Open,High,Low
01/05/2024,$181.18,62303300,$181.99,$182.76,$180.17
01/04/2024,$181.91,71983600,$182.15,$183.09,$180.88
01/03/2024,$184.25,58414500,$184.22,$185.88,$183.43
"""

INVESTING = (
    '\ufeff"Date","Price","Open","High","Low","Vol.","Change %"\n'
    '"01/05/2024","1,181.18","1,181.99","1,182.76","1,180.17","232.66M","-0.40%"\n'
    '"01/04/2024","1,181.91","1,182.15","1,183.09","1,180.88","71.98M","-1.27%"\n'
    '"01/03/2024","1,184.25","1,184.22","1,185.88","1,183.43","58.41K","-0.75%"\n'
)

PANDAS = """,Close,Date,Volume
0,185.64,2024-01-02,82488700
1,184.25,2024-01-03,58414500
2,181.91,2024-01-04,71983600
"""

PANDAS_INDEX = """,close
2024-01-02,185.64
2024-01-03,184.25
2024-01-04,181.91
"""

SHOUTING = """VOLUME,CLOSE,DATE
82488700,185.64,2024-01-02
58414500,184.25,2024-01-03
71983600,181.91,2024-01-04
"""

BARS_TIME = """2024-01-02,09:30,187.15,188.0,187.0,187.5,1000
2024-01-02,09:31,187.5,187.9,187.2,187.3,900
2024-01-02,09:32,187.3,187.6,187.1,187.4,800
"""

BARS_DATETIME = """2024-01-02 09:30:00,187.15,188.0,187.0,187.5,1000
2024-01-02 09:35:00,187.5,187.9,187.2,187.3,900
2024-01-02 09:40:00,187.3,187.6,187.1,187.4,800
"""

BINANCE = (
    "1704067200000,42283.58,42554.57,42261.02,42475.23,1271.68,1704070799999,53900000.0,47134,682.57,28920000.0,0\n"
    "1704070800000,42475.23,42775.00,42431.65,42613.56,1196.37,1704074399999,51000000.0,45651,638.95,27230000.0,0\n"
    "1704074400000,42613.57,42638.41,42400.00,42524.00,855.33,1704077999999,36330000.0,36223,405.55,17220000.0,0\n"
)

LONG = """date,symbol,close
2024-01-02,AAPL,185.64
2024-01-02,MSFT,370.87
2024-01-03,AAPL,184.25
2024-01-03,MSFT,370.60
2024-01-04,AAPL,181.91
2024-01-04,MSFT,367.94
"""

LONG_NAME = """date,open,high,low,close,volume,Name
2013-02-08,15.07,15.12,14.63,14.75,8407500,AAL
2013-02-11,14.89,15.01,14.26,14.46,8882000,AAL
2013-02-12,14.45,14.51,14.1,14.27,8126000,AAL
2013-02-08,67.7142,68.4014,66.8928,67.8542,158168416,AAPL
2013-02-11,68.0714,69.2771,67.6071,68.5614,129029425,AAPL
2013-02-12,68.5014,68.9114,66.8205,66.8428,151829363,AAPL
"""

WIDE = """Date,AAPL,MSFT,GOOG
2024-01-02,185.64,370.87,139.56
2024-01-03,184.25,370.60,140.36
2024-01-04,181.91,367.94,138.04
"""

GERMAN = (
    "Wertpapier: Beispiel AG;\nISIN: DE0000000001;\n\n"
    "Datum;Eröffnung;Hoch;Tief;Schlusskurs;Volumen\n"
    "02.01.2024;1.187,15;1.188,44;1.183,89;1.185,64;82488\n"
    "03.01.2024;1.184,22;1.185,88;1.183,43;1.184,25;58414\n"
    "04.01.2024;1.182,15;1.183,09;1.180,88;1.181,91;71983\n"
    "15.01.2024;1.182,15;1.183,09;1.180,88;1.179,50;71983\n"
)

INTRADAY_TZ = """Datetime,Open,High,Low,Close,Adj Close,Volume
2024-03-08 15:58:00-05:00,170.1,170.2,170.0,170.15,170.15,1000
2024-03-08 15:59:00-05:00,170.15,170.3,170.1,170.2,170.2,1200
2024-03-11 09:30:00-04:00,171.0,171.2,170.9,171.1,171.1,5000
2024-03-11 09:31:00-04:00,171.1,171.3,171.0,171.25,171.25,3000
"""

EXTENDED = """Date,Time,Open,High,Low,Close,Volume
2024-01-02,04:00,187.0,187.1,186.9,187.05,100
2024-01-02,05:00,187.05,187.2,187.0,187.1,200
2024-01-02,09:00,187.1,187.3,187.0,187.2,300
2024-01-02,16:00,187.2,187.4,187.1,187.3,400
2024-01-02,19:00,187.3,187.5,187.2,187.4,500
"""

WEEKLY = """Date,Close
2024-01-01,100.0
2024-01-08,101.0
2024-01-15,102.5
2024-01-22,101.5
"""

MONTHLY = """Date,Close
2023-01-31,100.0
2023-02-28,101.0
2023-03-31,102.5
2023-04-30,101.5
"""

FIVE_MIN = """datetime,open,high,low,close,volume
2024-01-02 09:30:00,1,1,1,10.0,5
2024-01-02 09:35:00,1,1,1,10.1,5
2024-01-02 09:40:00,1,1,1,10.2,5
2024-01-02 09:45:00,1,1,1,10.3,5
"""

HOURLY = """Datetime,Close
2024-01-02T09:00:00Z,10.0
2024-01-02T10:00:00Z,10.1
2024-01-02T11:00:00Z,10.2
"""

TAB = "Date\tClose\n2024-01-02\t185.64\n2024-01-03\t184.25\n2024-01-04\t181.91\n"

CASES = {
    # name: (file name, text, kwargs, ids, rows, first y, last y, price column, frequency)
    "yahoo": ("AAPL.csv", YAHOO, {}, ["AAPL"], 4, 184.94, 180.49, "Adj Close", "daily"),
    "yahoo --price close": (
        "AAPL.csv",
        YAHOO,
        {"price": "close"},
        ["AAPL"],
        4,
        185.64,
        181.18,
        "Close",
        "daily",
    ),
    "yfinance export": ("x.csv", YFINANCE, {}, ["AAPL"], 3, 184.94, 181.22, "Close", "daily"),
    "yfinance two tickers": (
        "x.csv",
        YFINANCE_MULTI,
        {},
        ["AAPL", "MSFT"],
        6,
        184.94,
        367.94,
        "Close",
        "daily",
    ),
    "spreadsheet M/D/YYYY": ("s.csv", SPREADSHEET, {}, ["s"], 4, 185.64, 185.92, "Close", "daily"),
    "stooq daily": ("aapl.us.txt", STOOQ, {}, ["aapl.us"], 3, 185.64, 181.91, "Close", "daily"),
    "stooq bulk": (
        "bulk.txt",
        STOOQ_BULK,
        {},
        ["AAPL.US", "MSFT.US"],
        6,
        187.5,
        370.0,
        "<CLOSE>",
        "5min",
    ),
    "alpha vantage": ("av.csv", ALPHA, {}, ["av"], 3, 184.25, 181.18, "close", "daily"),
    "alpha vantage json": (
        "av.csv",
        ALPHA_JSON,
        {},
        ["av"],
        3,
        183.55,
        180.49,
        "5. adjusted close",
        "daily",
    ),
    "nasdaq": (
        "HistoricalData.csv",
        NASDAQ,
        {},
        ["HistoricalData"],
        3,
        184.25,
        181.18,
        "Close/Last",
        "daily",
    ),
    "investing": ("inv.csv", INVESTING, {}, ["inv"], 3, 1184.25, 1181.18, "Price", "daily"),
    "pandas to_csv": ("p.csv", PANDAS, {}, ["p"], 3, 185.64, 181.91, "Close", "daily"),
    "pandas index of dates": (
        "p.csv",
        PANDAS_INDEX,
        {},
        ["p"],
        3,
        185.64,
        181.91,
        "close",
        "daily",
    ),
    "upper case, any order": ("u.csv", SHOUTING, {}, ["u"], 3, 185.64, 181.91, "CLOSE", "daily"),
    "headerless date,time bars": ("b.csv", BARS_TIME, {}, ["b"], 3, 187.5, 187.4, "close", "1min"),
    "headerless datetime bars": (
        "b.csv",
        BARS_DATETIME,
        {},
        ["b"],
        3,
        187.5,
        187.4,
        "close",
        "5min",
    ),
    "binance klines": (
        "BTCUSDT-1h-2024-01.csv",
        BINANCE,
        {},
        ["BTCUSDT-1h-2024-01"],
        3,
        42475.23,
        42524.0,
        "close",
        "1h",
    ),
    "long symbol": ("l.csv", LONG, {}, ["AAPL", "MSFT"], 6, 185.64, 367.94, "close", "daily"),
    "long Name": (
        "all_stocks_5yr.csv",
        LONG_NAME,
        {},
        ["AAL", "AAPL"],
        6,
        14.75,
        66.8428,
        "close",
        "daily",
    ),
    "wide": ("w.csv", WIDE, {}, ["AAPL", "GOOG", "MSFT"], 9, 185.64, 367.94, None, "daily"),
    "german": ("de.csv", GERMAN, {}, ["de"], 4, 1185.64, 1179.50, "Schlusskurs", "daily"),
    "intraday with time zones": (
        "tz.csv",
        INTRADAY_TZ,
        {},
        ["tz"],
        4,
        170.15,
        171.25,
        "Adj Close",
        "1min",
    ),
    "extended hours": ("ext.csv", EXTENDED, {}, ["ext"], 5, 187.05, 187.4, "Close", "1h"),
    "weekly": ("wk.csv", WEEKLY, {}, ["wk"], 4, 100.0, 101.5, "Close", "weekly"),
    "monthly": ("mo.csv", MONTHLY, {}, ["mo"], 4, 100.0, 101.5, "Close", "monthly"),
    "5-minute": ("m5.csv", FIVE_MIN, {}, ["m5"], 4, 10.0, 10.3, "close", "5min"),
    "hourly ISO Z": ("h.csv", HOURLY, {}, ["h"], 3, 10.0, 10.2, "Close", "1h"),
    "tab separated": ("t.tsv", TAB, {}, ["t"], 3, 185.64, 181.91, "Close", "daily"),
}


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_format_is_read_without_flags(tmp_path, case):
    name, text, kwargs, ids, rows, first, last, column, freq = CASES[case]
    frame = read_prices(write(tmp_path, name, text), **kwargs)
    assert list(frame.columns) == ["unique_id", "ds", "y"]
    assert sorted(frame.unique_id.unique()) == ids
    assert len(frame) == rows
    assert frame.y.iloc[0] == pytest.approx(first) and frame.y.iloc[-1] == pytest.approx(last)
    # sorted by (unique_id, ds), oldest first
    assert frame.equals(frame.sort_values(["unique_id", "ds"], kind="stable"))
    series = frame.attrs["weightfit"]["series"]
    for uid, s in series.items():
        assert s["price_column"] == (column or uid)  # wide files: the ticker's own column
    assert all(s["frequency"].startswith(freq) for s in series.values()), series


def test_newest_first_is_sorted_with_a_note(tmp_path):
    frame = read_prices(write(tmp_path, "n.csv", NASDAQ))
    assert frame.ds.is_monotonic_increasing
    assert "newest first" in " ".join(frame.attrs["weightfit"]["series"]["n"]["notes"])


def test_dates_are_read_month_first_or_day_first_from_the_data(tmp_path):
    us = read_prices(write(tmp_path, "us.csv", SPREADSHEET))
    assert str(us.ds.iloc[-1].date()) == "2024-01-12"  # 1/12/2024 month-first
    de = read_prices(write(tmp_path, "de.csv", GERMAN))
    assert [str(d.date()) for d in de.ds] == [
        "2024-01-02",
        "2024-01-03",
        "2024-01-04",
        "2024-01-15",
    ]
    rec = de.attrs["weightfit"]["sources"][0]
    assert rec["date_format"] == "%d.%m.%Y" and "day-first" in rec["date_format_reason"]


def test_european_latin1_with_preamble(tmp_path):
    frame = read_prices(write(tmp_path, "de.csv", GERMAN, encoding="latin-1"))
    rec = frame.attrs["weightfit"]["sources"][0]
    assert (rec["separator"], rec["decimal"], rec["encoding"]) == (";", ",", "cp1252")
    assert any("preamble" in n for n in rec["notes"])
    assert frame.y.tolist() == [1185.64, 1184.25, 1181.91, 1179.50]


def test_investing_bom_quotes_thousands_and_suffixes(tmp_path):
    frame = read_prices(write(tmp_path, "inv.csv", INVESTING))
    rec = frame.attrs["weightfit"]["sources"][0]
    assert rec["encoding"] == "utf-8-sig" and rec["format"] == "Investing.com"
    assert frame.y.tolist() == [1184.25, 1181.91, 1181.18]


def test_time_zones_are_kept_as_utc(tmp_path):
    frame = read_prices(write(tmp_path, "tz.csv", INTRADAY_TZ))
    assert str(frame.ds.dt.tz) == "UTC"
    assert str(frame.ds.iloc[0]) == "2024-03-08 20:58:00+00:00"
    assert str(frame.ds.iloc[2]) == "2024-03-11 13:30:00+00:00"


def test_extended_hours_are_kept_and_reported(tmp_path):
    frame = read_prices(write(tmp_path, "ext.csv", EXTENDED))
    assert frame.attrs["weightfit"]["series"]["ext"]["time_of_day"] == "04:00..19:00"


@pytest.mark.parametrize("wrap", ["gz", "zip"])
def test_compressed_files(tmp_path, wrap):
    if wrap == "gz":
        path = tmp_path / "AAPL.csv.gz"
        path.write_bytes(gzip.compress(YAHOO.encode()))
    else:
        path = tmp_path / "AAPL.zip"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("AAPL.csv", YAHOO)
    frame = read_prices(path)
    assert frame.unique_id.unique().tolist() == ["AAPL"] and len(frame) == 4


def test_parquet_and_frames(tmp_path):
    original = pd.read_csv(io.StringIO(YAHOO))
    original.to_parquet(tmp_path / "AAPL.parquet")
    frame = read_prices(tmp_path / "AAPL.parquet")
    assert frame.unique_id.unique().tolist() == ["AAPL"] and frame.y.iloc[0] == 184.94
    again = read_prices(original)
    assert again.y.tolist() == frame.y.tolist()


def test_yfinance_download_frame():
    # yfinance.download's layout: a DatetimeIndex named Date, (Price, Ticker) columns
    index = pd.DatetimeIndex(
        pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04"]), name="Date"
    )
    columns = pd.MultiIndex.from_product(
        [["Close", "Volume"], ["AAPL", "MSFT"]], names=["Price", "Ticker"]
    )
    frame = pd.DataFrame(
        [[1.0, 2.0, 10, 20], [1.1, 2.1, 11, 21], [1.2, 2.2, 12, 22]], index=index, columns=columns
    )
    got = read_prices(frame)
    assert got.unique_id.unique().tolist() == ["AAPL", "MSFT"]
    assert got.y.tolist() == [1.0, 1.1, 1.2, 2.0, 2.1, 2.2]


def test_directory_and_glob_one_series_per_file(tmp_path):
    write(tmp_path, "AAPL.csv", YAHOO)
    write(tmp_path, "MSFT.csv", STOOQ)
    (tmp_path / "notes.md").write_text("not prices")
    for source in (tmp_path, str(tmp_path / "*.csv")):
        frame = read_prices(source)
        assert frame.unique_id.unique().tolist() == ["AAPL", "MSFT"]
        assert len(frame.attrs["weightfit"]["sources"]) == 2


def test_missing_values_are_dropped_and_counted(tmp_path):
    text = YAHOO.replace("184.25,183.55", "null,null") + "2024-01-08,1,1,1,1,-,5\n"
    text += "2024-01-09,1,1,1,1,N/A,5\n2024-01-10,1,1,1,1,,5\n\n"
    frame = read_prices(write(tmp_path, "AAPL.csv", text))
    assert len(frame) == 3
    series = frame.attrs["weightfit"]["series"]["AAPL"]
    assert series["dropped"] == {"missing price": 4}
    assert frame.attrs["weightfit"]["sources"][0]["dropped"]["blank lines"] == 1


def test_keep_last_duplicates_with_a_note(tmp_path):
    text = STOOQ + "2024-01-04,1,1,1,190.0,5\n"
    frame = read_prices(write(tmp_path, "d.csv", text), duplicates="last")
    assert len(frame) == 3 and frame.y.iloc[-1] == 190.0
    assert frame.attrs["weightfit"]["series"]["d"]["dropped"] == {
        "duplicated timestamps (kept the last)": 1
    }


def test_suspected_split_is_a_warning(tmp_path):
    text = "Date,Close\n2020-08-27,500.0\n2020-08-28,499.0\n2020-08-31,129.0\n2020-09-01,134.0\n"
    frame = read_prices(write(tmp_path, "s.csv", text))
    (warning,) = frame.attrs["weightfit"]["series"]["s"]["warnings"]
    assert "2020-08-31" in warning and "0.2585" in warning and "4:1" in warning
    assert "ADJUSTED" in warning and frame.y.tolist() == [125.0, 124.75, 129.0, 134.0]


def test_ambiguous_price_columns_are_decided_by_name(tmp_path):
    text = "Date,Open,Close,Adj Close\n2024-01-02,1,2,3\n2024-01-03,1,2,3\n2024-01-04,1,2,3\n"
    frame = read_prices(write(tmp_path, "a.csv", text))
    assert frame.y.tolist() == [3.0, 3.0, 3.0]
    only = "when,value_x\n2024-01-02,1\n2024-01-03,2\n2024-01-04,3\n"
    frame = read_prices(write(tmp_path, "b.csv", only), date="when")
    assert frame.y.tolist() == [1.0, 2.0, 3.0]


def test_flags_by_position(tmp_path):
    frame = read_prices(write(tmp_path, "AAPL.csv", YAHOO), price=1, date=0)
    assert frame.y.iloc[0] == 187.15
