"""Spreadsheets: ``.xlsx`` (openpyxl), ``.ods`` (odfpy), recognised by their bytes whatever
the file is called, and turned into CSV text so that one reader (preambles, roles, checks)
serves them all."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pandas as pd

from weightfit.errors import DataError

SUFFIXES = (".xlsx", ".xlsm", ".ods", ".xls")


def kind(path: Path) -> str | None:
    """``"xlsx"``, ``"ods"`` or ``"xls"`` when the bytes are a workbook, else None."""
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError:
        return None
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: the old binary .xls
        return "xls"
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            if any(n.startswith("xl/") for n in names):
                return "xlsx"
            if "mimetype" in names and b"opendocument.spreadsheet" in z.read("mimetype"):
                return "ods"
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    return None


def _cell(value: object) -> object:
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def to_csv(path: Path, book: str, sheet: str | int | None) -> tuple[bytes, str]:
    """One sheet as UTF-8 CSV bytes, and the sheet's name."""
    if book == "xls":
        raise DataError(
            f"{path}: an old binary Excel file (.xls); save it as .xlsx or CSV and read that"
        )
    engine = "openpyxl" if book == "xlsx" else "odf"
    want: str | int = 0 if sheet is None else (int(sheet) if str(sheet).isdigit() else sheet)
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object, engine=engine)
    except ImportError as e:
        raise DataError(f"{path}: reading {book} needs a package ({e})") from None
    except Exception as e:  # openpyxl/odfpy raise many kinds for broken workbooks
        raise DataError(f"{path}: cannot read the {book} workbook ({e})") from None
    names = list(sheets)
    if isinstance(want, int):
        if not 0 <= want < len(names):
            raise DataError(f"{path}: --sheet {want}: the workbook has {len(names)} sheet(s)")
        want = names[want]
    if want not in sheets:
        raise DataError(f"{path}: no sheet {want!r}; the sheets are {', '.join(map(repr, names))}")
    table = sheets[want].map(_cell)
    text = io.StringIO()
    table.to_csv(text, index=False, header=False)
    return text.getvalue().encode("utf-8"), str(want)
