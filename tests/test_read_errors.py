"""Every bad input gives a one-line DataError naming the file, the place, what and the fix."""

import pytest

from weightfit import DataError
from weightfit.data import read_prices

from .test_read_formats import STOOQ, YAHOO

CASES = {
    "empty file": ("", {}, ["the file is empty"]),
    "whitespace only": ("\n\n  \n", {}, ["the file is empty"]),
    "header only": ("Date,Open,High,Low,Close,Volume\n", {}, ["header but no data rows"]),
    "no date column": (
        "when,close\n1,2\n3,4\n5,6\n",
        {},
        ["no date column among 'when', 'close'", "--date NAME"],
    ),
    "no price column": (
        "Date,Open,Volume\n2024-01-02,1,2\n2024-01-03,1,2\n2024-01-04,1,2\n",
        {},
        ["no price column among 'Date', 'Open', 'Volume'", "--price NAME"],
    ),
    "ambiguous price": (
        "Date,Ticker,bid_px,ask_px\n2024-01-02,A,1,2\n2024-01-03,A,1,2\n2024-01-04,A,1,2\n",
        {},
        ["cannot tell which column is the price among 'bid_px', 'ask_px'", "--price NAME"],
    ),
    "unknown --price": (YAHOO, {"price": "last_trade"}, ["no column 'last_trade' for --price"]),
    "unparseable date": (
        STOOQ.replace("2024-01-03", "2024-13-45"),
        {},
        ["line 3, column 'Date'", "'2024-13-45'", "--date-format"],
    ),
    "ambiguous dates": (
        "Date,Close\n01/02/2024,1\n01/03/2024,2\n04/03/2024,3\n",
        {},
        ["read both day-first and month-first", "--date-format '%d/%m/%Y'"],
    ),
    "non-numeric price": (
        STOOQ.replace("184.25,58414500", "n.a.x,58414500"),
        {},
        ["line 3, column 'Close'", "'n.a.x' is not a number", "--price NAME"],
    ),
    "zero price": (
        STOOQ.replace("184.25,58414500", "0,58414500"),
        {},
        ["line 3", "the price 0.0 is not positive"],
    ),
    "negative price": (
        STOOQ.replace("181.91,71983600", "-3.5,71983600"),
        {},
        ["line 4", "-3.5 is not positive"],
    ),
    "header shorter than rows": (
        "Date,Open,High,Low,Close\n2024-01-02,1,2,3,4,5\n2024-01-03,1,2,3,4,5\n"
        "2024-01-04,1,2,3,4,5\n",
        {},
        ["line 1", "header names 5 columns but line 2 has 6 fields"],
    ),
    "header longer than rows": (
        "Date,Open,High,Low,Close,Volume,Extra\n2024-01-02,1,2,3,4,5\n2024-01-03,1,2,3,4,5\n"
        "2024-01-04,1,2,3,4,5\n",
        {},
        ["line 1", "header names 7 columns but the rows under it have 6 fields"],
    ),
    "row with extra fields": (
        STOOQ + "2024-01-05,1,2,3,4,5,6,7\n",
        {},
        ["line 5", "every row must have the header's 6 fields"],
    ),
    "duplicated timestamps": (
        STOOQ + "2024-01-04,1,1,1,190.0,5\n",
        {},
        ["duplicated timestamps (2 rows)", "line 4", "line 5", "--keep-last"],
    ),
    "too few rows": (
        "Date,Close\n2024-01-02,1\n2024-01-03,null\n2024-01-04,2\n",
        {},
        ["has 2 rows after cleaning; at least 3", "missing price"],
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_input_message(tmp_path, case):
    text, kwargs, expected = CASES[case]
    path = tmp_path / "prices.csv"
    path.write_text(text)
    with pytest.raises(DataError) as info:
        read_prices(path, **kwargs)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert "\n" not in message
    for part in expected:
        assert part in message, message


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_prices(tmp_path / "nope.csv")


def test_empty_folder_and_glob(tmp_path):
    with pytest.raises(DataError, match="holds no CSV"):
        read_prices(tmp_path)
    with pytest.raises(DataError, match="no price files match"):
        read_prices(str(tmp_path / "*.csv"))


def test_same_ticker_in_two_files(tmp_path):
    long = "date,symbol,close\n2024-01-02,AAPL,1\n2024-01-03,AAPL,2\n2024-01-04,AAPL,3\n"
    (tmp_path / "a.csv").write_text(long)
    (tmp_path / "b.csv").write_text(long)
    with pytest.raises(DataError, match="series 'AAPL' is also in"):
        read_prices(tmp_path)
