"""The fast reader for big files: Arrow-native CSV and Parquet, and Parquet files in row ranges.

``read_prices`` takes this path wherever the layout allows and keeps its careful path for the
rest: a CSV is read by ``pyarrow.csv`` (with the dialect ``read_prices`` sniffed) when it has a
header, a plain decimal point, ISO dates (``2020-01-31``, ``2020-01-31 09:30[:00]``) and one
field per header column on every line; anything else (a blank line, a quoted newline, a price
Arrow cannot read, a day-first date) gives ``None`` here and the careful path reads the file,
with its exact messages. What the fast path returns is the same frame and record the careful
path would have built (``tests/test_scale.py`` compares the two on the format corpus).

``Rows`` names a row range of one Parquet file; ``plan`` cuts a big long file into such ranges
at series boundaries, so a partitioned fit reads a bounded slice at a time and never splits a
series.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from weightfit.errors import DataError

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?$")


@dataclass(frozen=True)
class Rows:
    """Rows ``[start, stop)`` of a Parquet file: a unit of work holding whole series only.

    ``read_prices(Rows(path, 0, 1000))`` reads just those rows (the series id defaults to the
    file name, as for the whole file).
    """

    path: Path
    start: int
    stop: int

    def __str__(self) -> str:
        return f"{self.path}[rows {self.start}:{self.stop}]"

    @property
    def rows(self) -> int:
        return self.stop - self.start


def read_parquet(path: Path | Rows) -> pd.DataFrame:
    """A Parquet file (or a ``Rows`` range of one) as a DataFrame; string columns come as
    pandas categoricals (dictionary-encoded by Arrow: one Python string per distinct id, not
    one per row)."""
    try:
        source = path.path if isinstance(path, Rows) else path
        # text columns decoded straight to dictionaries: each distinct id once, and codes
        text = [x.name for x in pq.read_schema(source) if pa.types.is_string(x.type)]
        f = pq.ParquetFile(source, read_dictionary=text or None)
        table = _slice(f, path) if isinstance(path, Rows) else f.read()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file; check the path") from None
    except Exception as e:  # pyarrow's errors have no common base worth naming
        raise DataError(f"{path}: cannot read the Parquet file ({e})") from None
    table = table.replace_schema_metadata(None)  # no pandas index stored as a column instead
    strings = [i for i, f in enumerate(table.schema) if pa.types.is_string(f.type)]
    for i in strings:
        table = table.set_column(i, table.field(i).name, pc.dictionary_encode(table.column(i)))
    frame = table.to_pandas(split_blocks=True, self_destruct=True)  # freed as it converts
    pa.default_memory_pool().release_unused()  # the pages decoded from, back to the system
    return frame


def _slice(f: pq.ParquetFile, unit: Rows) -> pa.Table:
    """Only the row groups that hold ``unit``'s rows are read."""
    sizes = np.array([f.metadata.row_group(i).num_rows for i in range(f.num_row_groups)])
    ends = np.cumsum(sizes)
    first = int(np.searchsorted(ends, unit.start, side="right"))
    last = int(np.searchsorted(ends, unit.stop - 1, side="right"))
    table = f.read_row_groups(list(range(first, last + 1)))
    offset = unit.start - int(ends[first] - sizes[first])
    return table.slice(offset, unit.rows)


def parquet_rows(path: Path) -> int:
    """The rows of a Parquet file, from its footer (nothing else is read)."""
    try:
        return int(pq.ParquetFile(path).metadata.num_rows)
    except Exception as e:  # pyarrow's errors have no common base worth naming
        raise DataError(f"{path}: cannot read the Parquet file ({e})") from None


def series_starts(path: Path, column: str) -> np.ndarray | None:
    """The row where each series of a long Parquet file starts, plus the row count at the end;
    ``None`` when the file's rows are not grouped by ``column`` (an id in two runs). Reads the
    id column one row group at a time: memory is one row group's ids."""
    f = pq.ParquetFile(path)
    starts: list[np.ndarray] = []
    seen: set[str] = set()
    last: str | None = None
    offset = 0
    for g in range(f.num_row_groups):
        ids = f.read_row_group(g, columns=[column]).column(0)
        ids = pc.cast(ids, pa.string()).combine_chunks()
        if ids.null_count:  # None equals None: compared as Python objects
            text = ids.to_numpy(zero_copy_only=False)
            change = np.r_[text[0] != last if len(text) else False, text[1:] != text[:-1]]
        else:  # compared by Arrow: no Python string per row
            later = pc.not_equal(ids.slice(1), ids.slice(0, len(ids) - 1)).to_numpy(False)
            change = np.r_[ids[0].as_py() != last if len(ids) else False, later]
        at = np.flatnonzero(change)
        runs = ids.take(pa.array(at, pa.int64())).to_pylist()
        if len(runs) != len(set(runs)) or not seen.isdisjoint(runs):
            return None
        seen.update(runs)
        starts.append(at + offset)
        offset += len(ids)
        last = ids[-1].as_py() if len(ids) else last
    return np.r_[np.concatenate(starts) if starts else np.zeros(0, np.int64), offset]


def plan(path: Path, column: str | None, max_rows: int) -> list[Rows] | None:
    """Row ranges of at most ``max_rows`` rows (more only where one series is longer), cut at
    series boundaries of ``column``; ``None`` when the rows are not grouped by series."""
    total = pq.ParquetFile(path).metadata.num_rows
    if total <= max_rows:
        return [Rows(path, 0, total)]
    if column is None:  # one series: it cannot be split
        return [Rows(path, 0, total)]
    starts = series_starts(path, column)
    if starts is None:
        return None
    units: list[Rows] = []
    begin = 0
    while begin < total:
        # the last series start at or before begin + max_rows; at least one series
        i = int(np.searchsorted(starts, begin + max_rows, side="right")) - 1
        stop = int(starts[i])
        if stop <= begin:
            stop = int(starts[np.searchsorted(starts, begin, side="right")])
        units.append(Rows(path, begin, stop))
        begin = stop
    return units


def read_csv(
    raw: bytes,
    *,
    sep: str,
    skip: int,
    header: Sequence[str],
    date: str,
    prices: Sequence[str],
    ids: str | None,
    na: Sequence[str] = (),
    also: Sequence[str] = (),
) -> tuple[pd.DataFrame | None, list[str]]:
    """The whole text file by ``pyarrow.csv``, or ``None`` where the careful path must read it;
    with the first and last 300 date cells as text (what ``read_prices`` picks a format from).

    ``skip`` lines come before the first data line; ``header`` names every field. The date
    column comes back parsed (ISO only), prices as float64 (missing tokens as NaN), the id as
    text; ``na`` are the missing-price tokens; ``also``: other columns to read (types
    inferred); the others are split, never converted. Any line Arrow cannot read the way pandas
    would gives ``None``.
    """
    types: dict[str, pa.DataType] = {date: pa.string(), **{p: pa.float64() for p in prices}}
    if ids is not None:
        types[ids] = pa.string()
    wanted = [c for c in header if c in types or c in also]  # every line still split and counted
    try:
        table = pacsv.read_csv(
            pa.BufferReader(raw),  # the bytes as they are: no copy
            read_options=pacsv.ReadOptions(skip_rows=skip, column_names=list(header)),
            parse_options=pacsv.ParseOptions(delimiter=sep, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                include_columns=wanted,
                null_values=list(na),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        text = table.column(date)
        sample = pc.utf8_length(text)  # ISO only: every date 10, 16 or 19 characters long
        if not pc.all(pc.is_in(sample, pa.array([10, 16, 19], pa.int32()))).as_py():
            return None, []
        n = len(text)
        head = (
            text.to_pylist()
            if n <= 600
            else text.slice(0, 300).to_pylist() + text.slice(n - 300).to_pylist()
        )
        if not all(_ISO.match(s) for s in head):
            return None, []
        stamps = pc.cast(text, pa.timestamp("ns"))  # ISO, with "T" or " " before the time
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None, []
    frame = table.drop_columns([date]).to_pandas()
    frame.insert(wanted.index(date), date, stamps.to_pandas())
    return frame, head
