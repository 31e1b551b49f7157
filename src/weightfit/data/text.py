"""Text files in: bytes (plain, .gz, .zip), the encoding, the separator, the header line.

The whole file is decoded once; only its first lines are looked at to sniff the layout, and
pandas' C parser reads the rest.
"""

from __future__ import annotations

import csv
import gzip
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from weightfit.data.columns import is_known, normalise
from weightfit.errors import DataError

SEPARATORS = ["\t", ";", "|", ","]  # preferred in this order when several split every line
SNIFF_LINES = 400


def read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed when it is ``.gz`` or a one-file ``.zip``."""
    try:
        if path.suffix.lower() == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as z:
                members = [m for m in z.namelist() if not m.endswith("/")]
                if len(members) != 1:
                    raise DataError(
                        f"{path}: the zip archive holds {len(members)} files; unzip it and pass "
                        "the folder, or one file"
                    )
                return z.read(members[0])
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file; check the path") from None
    except (OSError, zipfile.BadZipFile, EOFError) as e:
        raise DataError(f"{path}: cannot read the file ({e})") from None


def decode(raw: bytes, encoding: str | None, where: str) -> tuple[str, str, list[str]]:
    """Text, the encoding used, and notes. A UTF-8 byte-order mark is honoured; text that is
    not UTF-8 is read as Windows-1252 (Latin-1), with a note."""
    notes: list[str] = []
    if encoding is not None:
        try:
            return raw.decode(encoding), encoding, notes
        except (UnicodeDecodeError, LookupError) as e:
            raise DataError(f"{where}: cannot decode the file as {encoding} ({e})") from None
    try:
        if raw.startswith(b"\xef\xbb\xbf"):
            return raw[3:].decode("utf-8"), "utf-8-sig", ["a UTF-8 byte-order mark"]
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            return raw.decode("utf-16"), "utf-16", ["UTF-16 text"]
    except UnicodeDecodeError as e:
        raise DataError(
            f"{where}: the file starts with a byte-order mark but is not that encoding ({e}); "
            "pass --encoding"
        ) from None
    try:
        return raw.decode("utf-8"), "utf-8", notes
    except UnicodeDecodeError:
        notes.append("not UTF-8: read as Latin-1 (cp1252); pass --encoding to override")
        return raw.decode("cp1252", errors="replace"), "cp1252", notes


def split_rows(lines: list[str], sep: str) -> list[list[str]]:
    """The fields of each line, with csv quoting."""
    return list(csv.reader(lines, delimiter=sep))


def _looks_like_data(row: list[str]) -> bool:
    """Mostly numbers or dates, and no known column name."""
    cells = [c.strip() for c in row if c.strip()]
    if not cells or any(is_known(c) for c in cells):
        return False
    numeric = sum(1 for c in cells if any(ch.isdigit() for ch in c) and len(c) < 40)
    return numeric >= max(1, len(cells) // 2 + len(cells) % 2)


def _title(row: list[str]) -> bool:
    """A line with the data's field count but mostly empty cells and no column name."""
    cells = [c.strip() for c in row if c.strip()]
    return len(cells) < max(2, len(row) / 2) and not any(is_known(c) for c in cells)


@dataclass
class Layout:
    sep: str
    header: list[str] | None  # column names, None for headerless files
    first_data_line: int  # 0-based index of the first data line
    n_fields: int
    tickers: list[str] | None = None  # yfinance's second header row
    notes: list[str] = field(default_factory=list)
    head: list[str] = field(default_factory=list)  # the file's first lines, split once


def sniff(text: str, sep: str | None, skiprows: int | None, where: str) -> Layout:
    """Separator, header and first data line, from the first lines of ``text``."""
    head = text[: 1 << 20].splitlines()
    start = skiprows or 0
    lines = head[start : start + SNIFF_LINES]
    while lines and not lines[0].strip():
        lines, start = lines[1:], start + 1
    content = [ln for ln in lines if ln.strip()]
    if not content:
        raise DataError(f"{where}: the file is empty; nothing to read")
    tail = content[len(content) // 2 :] if len(content) > 2 else content[-1:]
    if sep is None:
        best: tuple[float, int, str] | None = None
        for rank, s in enumerate(SEPARATORS):
            counts = [len(r) for r in split_rows(tail, s)]
            modal, hits = Counter(counts).most_common(1)[0]
            if modal < 2:
                continue
            score = (hits / len(counts), -rank, s)
            if best is None or score[:2] > best[:2]:
                best = score
        sep = best[2] if best else ","
    rows = split_rows(lines, sep)
    data_counts = [len(r) for r in split_rows(tail, sep)]
    modal = Counter(data_counts).most_common(1)[0][0]
    notes = []
    # yfinance's export: "Price,Close,High,...", "Ticker,AAPL,...", "Date,,,,"
    if len(rows) >= 3 and normalise(rows[0][0]) == "price" and normalise(rows[1][0]) == "ticker":
        skip = 3 if normalise(rows[2][0]) in ("date", "datetime") else 2
        header = ["Date", *rows[0][1:]]
        return Layout(
            sep, header, start + skip, len(header), rows[1][1:], ["yfinance header rows"], head
        )
    for i, row in enumerate(rows):
        if not "".join(row).strip():
            continue
        if len(row) == modal and _title(row):  # "Prices of ABC,,,": a spreadsheet's title
            continue
        if len(row) == modal:
            if not _looks_like_data(row):
                if i:
                    notes.append(f"skipped {i} preamble line(s) before the header")
                return Layout(
                    sep, [c.strip() for c in row], start + i + 1, modal, notes=notes, head=head
                )
            previous = [r for r in rows[:i] if "".join(r).strip()]
            if previous and any(is_known(c) for c in previous[-1]):
                j = rows.index(previous[-1])
                raise DataError(
                    f"{where}: line {start + j + 1}: the header names {len(previous[-1])} "
                    f"columns but line {start + i + 1} has {modal} fields; fix the header or "
                    "pass --skiprows"
                )
            return Layout(sep, None, start + i, modal, notes=["no header line"], head=head)
        if len(row) > modal and not _looks_like_data(row) and any(is_known(c) for c in row):
            raise DataError(
                f"{where}: line {start + i + 1}: the header names {len(row)} columns but the "
                f"rows under it have {modal} fields; fix the header or pass --skiprows"
            )
    raise DataError(f"{where}: no line has the {modal} fields of the data; pass --sep")
