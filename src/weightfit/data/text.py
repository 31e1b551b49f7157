"""Text files in: bytes (plain, .gz, .zip), the encoding, the separator, the header line.

The whole file is decoded once; only its first lines are looked at to sniff the layout, and
pandas' C parser reads the rest.
"""

from __future__ import annotations

import csv
import gzip
import os
import re
import stat
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from weightfit.data.columns import is_known, normalise
from weightfit.errors import DataError

SEPARATORS = ["\t", ";", "|", ","]  # preferred in this order when several split every line
SNIFF_LINES = 400
SNIFF_CHARS = 1 << 20  # the start of the text the layout is sniffed from
# The most bytes read from one file, after decompression: a bound on memory for a file that
# never ends (a .gz bomb); regular files only, so /dev/zero and FIFOs are refused before opening.
MAX_BYTES = int(os.environ.get("WEIGHTFIT_MAX_BYTES", 4 << 30))
_ANY_SEP = re.compile(r"[\t;|,]")
FIELD_LIMIT = csv.field_size_limit()  # the csv module's longest field (131,072 characters)


def regular_file(path: Path) -> None:
    """Refuse what is not a regular file (a device, a FIFO, a socket, a folder, a symlink loop)
    before anything opens it: opening a FIFO blocks, and /dev/zero never ends."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise DataError(f"{path}: no such file; check the path") from None
    except OSError as e:  # ELOOP (a symlink loop), EACCES, ENAMETOOLONG, ...
        why = e.strerror or e
        raise DataError(f"{path}: cannot read the file ({why}); check the path") from None
    if not stat.S_ISREG(mode):
        what = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a device, FIFO or socket)"
        raise DataError(f"{path}: {what}; give a price file (CSV, TXT, Parquet, Excel)")


def read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed when it is ``.gz`` or a one-file ``.zip``; at most
    ``MAX_BYTES`` (environment ``WEIGHTFIT_MAX_BYTES``), else a ``DataError``."""
    regular_file(path)
    try:
        if path.suffix.lower() == ".gz":
            with gzip.open(path, "rb") as f:
                return _bounded(f.read(MAX_BYTES + 1), path)
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as z:
                members = [m for m in z.namelist() if not m.endswith("/")]
                if len(members) != 1:
                    raise DataError(
                        f"{path}: the zip archive holds {len(members)} files; unzip it and pass "
                        "the folder, or one file"
                    )
                with z.open(members[0]) as f:
                    return _bounded(f.read(MAX_BYTES + 1), path)
        with path.open("rb") as f:
            return _bounded(f.read(MAX_BYTES + 1), path)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file; check the path") from None
    except (OSError, zipfile.BadZipFile, EOFError, RuntimeError) as e:  # Runtime: encrypted zip
        raise DataError(f"{path}: cannot read the file ({e})") from None


def _bounded(raw: bytes, path: Path) -> bytes:
    if len(raw) > MAX_BYTES:
        raise DataError(
            f"{path}: more than {MAX_BYTES:,} bytes (after decompression); split the file, or "
            "raise the bound with WEIGHTFIT_MAX_BYTES"
        )
    return raw


def shown(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters: a cell quoted in a one-line message."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 5]}...{text[-2:]}"


def _line_of(raw: bytes, at: int) -> int:
    """The 1-based line of byte offset ``at``."""
    return raw.count(b"\n", 0, at) + 1


def decode(
    raw: bytes, encoding: str | None, where: str, start_only: bool = False
) -> tuple[str, str, list[str]]:
    """Text, the encoding used, and notes. A UTF-8 byte-order mark is honoured; text that is
    not UTF-8 is read as Windows-1252 (Latin-1), with a note. ``start_only``: of a file that
    is ASCII throughout (one quick check: so UTF-8), only the first ``SNIFF_CHARS`` characters
    are decoded, when they are not all blank: what ``sniff`` looks at."""
    notes: list[str] = []
    if start_only and encoding is None and raw.isascii():
        start = raw[:SNIFF_CHARS].decode("ascii")
        if start.strip() or len(raw) <= SNIFF_CHARS:
            return start, "utf-8", notes
    if encoding is not None:
        try:
            return raw.decode(encoding), encoding, notes
        except LookupError:
            raise DataError(
                f"{where}: --encoding {encoding!r} is not an encoding Python knows; "
                "pass e.g. --encoding utf-8, cp1252 or latin-1"
            ) from None
        except UnicodeError as e:
            raise DataError(
                f"{where}: line {_line_of(raw, getattr(e, 'start', 0))}: cannot decode the file "
                f"as {encoding} ({e.__class__.__name__}: {getattr(e, 'reason', e)}); pass the "
                "file's encoding, or --encoding latin-1 (reads every byte)"
            ) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig", ["a UTF-8 byte-order mark"]
        except UnicodeDecodeError as e:
            raise DataError(
                f"{where}: line {_line_of(raw, e.start + 3)}: the file starts with a UTF-8 "
                f"byte-order mark but byte 0x{raw[e.start + 3]:02x} is not UTF-8; pass the "
                "file's encoding, e.g. --encoding latin-1"
            ) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        if len(raw) % 2:
            raise DataError(
                f"{where}: UTF-16 text (a byte-order mark) of an odd number of bytes "
                f"({len(raw):,}): the file is cut short or not UTF-16; re-export it, or pass "
                "--encoding"
            )
        try:
            return raw.decode("utf-16"), "utf-16", ["UTF-16 text"]
        except UnicodeDecodeError as e:
            raise DataError(
                f"{where}: UTF-16 text (a byte-order mark) with an invalid character at byte "
                f"{e.start:,} ({e.reason}); re-export it, or pass --encoding"
            ) from None
    try:
        return raw.decode("utf-8"), "utf-8", notes
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError as e:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d: undefined in cp1252
        raise DataError(
            f"{where}: line {_line_of(raw, e.start)}: byte 0x{raw[e.start]:02x} is neither UTF-8 "
            "nor Windows-1252 (cp1252) text; pass --encoding latin-1 (reads every byte), or the "
            "file's encoding"
        ) from None
    notes.append("not UTF-8: read as Windows-1252 (cp1252); pass --encoding to override")
    return text, "cp1252", notes


def split_rows(lines: list[str], sep: str, where: str = "the file") -> list[list[str]]:
    """The fields of each line, with csv quoting."""
    try:
        return list(csv.reader(lines, delimiter=sep))
    except csv.Error as e:  # a field over FIELD_LIMIT characters, a NUL byte, ...
        raise DataError(f"{where}: not CSV text the reader can split ({e}); pass --sep") from None


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
    head = text[:SNIFF_CHARS].splitlines()
    start = skiprows or 0
    lines = head[start : start + SNIFF_LINES]
    for i, line in enumerate(lines):  # the csv module refuses fields over FIELD_LIMIT
        if len(line) > FIELD_LIMIT and max(map(len, _ANY_SEP.split(line))) > FIELD_LIMIT:
            raise DataError(
                f"{where}: line {start + i + 1} has a field of more than {FIELD_LIMIT:,} "
                "characters; is this a price file? fix the line, or pass --skiprows to start "
                "after it"
            )
    while lines and not lines[0].strip():
        lines, start = lines[1:], start + 1
    content = [ln for ln in lines if ln.strip()]
    if not content:
        raise DataError(f"{where}: the file is empty; nothing to read")
    tail = content[len(content) // 2 :] if len(content) > 2 else content[-1:]
    if sep is None:
        best: tuple[float, int, str] | None = None
        for rank, s in enumerate(SEPARATORS):
            counts = [len(r) for r in split_rows(tail, s, where)]
            modal, hits = Counter(counts).most_common(1)[0]
            if modal < 2:
                continue
            score = (hits / len(counts), -rank, s)
            if best is None or score[:2] > best[:2]:
                best = score
        sep = best[2] if best else ","
    rows = split_rows(lines, sep, where)
    data_counts = [len(r) for r in split_rows(tail, sep, where)]
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
