"""A long ``unique_id, ds, y`` frame as flat arrays: all series concatenated, with offsets."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from weightfit.errors import DataError


class ReadRecord(dict[str, Any]):
    """What ``read_prices`` found (``{"sources": [...], "series": {id: {...}}}``), as it rides in
    ``DataFrame.attrs["weightfit"]``.

    pandas deep-copies ``attrs`` on nearly every operation (each column access, each slice); a
    read record of a million series made that the largest cost of a fit. This dict is shared,
    not copied: ``copy.deepcopy`` returns it as is. It is written once, by the reader, and read
    after; a caller who wants a private copy to edit makes one with ``copy.deepcopy(dict(r))``.
    """

    def __deepcopy__(self, memo: dict[int, object]) -> ReadRecord:
        return self

    def __reduce__(self) -> tuple[type, tuple[dict[str, object]]]:  # pickles as itself
        return (ReadRecord, (dict(self),))


class SeriesRecords(Mapping[str, dict[str, Any]]):
    """The read record's ``series``: ``{id: {...}}`` for a million series without a million
    dicts. The entries are kept as columns and each dict is built when it is first read (then
    kept, so an edit to it stays).

    ``ids``: (S,) ids; ``columns``: name -> (S,) values (plain Python values: lists);
    ``common``: name -> the value every series shares (copied per entry when it is a list or
    dict); ``extra``: id -> the keys only that series has or overrides (notes, splits, the
    session); ``order``: the keys' order in an entry (default: ``columns``' then ``common``'s),
    the extra keys after them. Entries come in ``ids`` order.

    >>> r = SeriesRecords(["a", "b"], {"rows": [3, 4]}, {"notes": []}, {"b": {"notes": ["x"]}})
    >>> r["b"], len(r), list(r)
    ({'rows': 4, 'notes': ['x']}, 2, ['a', 'b'])
    """

    def __init__(
        self,
        ids: Sequence[str],
        columns: dict[str, Sequence[Any]],
        common: dict[str, Any],
        extra: dict[str, dict[str, Any]],
        order: Sequence[str] | None = None,
    ) -> None:
        self._ids = list(ids)
        self._columns, self._common, self._extra = columns, common, extra
        self._order = list(order) if order is not None else [*columns, *common]
        self._at: dict[str, int] | None = None
        self._built: dict[str, dict[str, Any]] = {}

    def __getitem__(self, uid: str) -> dict[str, Any]:
        built = self._built.get(uid)
        if built is None:
            built = self._built[uid] = self.build(uid)
        return built

    def build(self, uid: str) -> dict[str, Any]:
        """A new dict for ``uid``'s entry (the one kept, where it was read before)."""
        if uid in self._built:
            return self._built[uid]
        i = self._positions()[uid]  # KeyError for an unknown id, as a dict
        extra = self._extra.get(uid, {})
        entry: dict[str, Any] = {}
        for k in self._order:  # the keys in the order given
            if k in extra:
                entry[k] = extra[k]
            elif k in self._columns:
                entry[k] = self._columns[k][i]
            elif k in self._common:
                v = self._common[k]
                entry[k] = v.copy() if isinstance(v, list | dict) else v
        entry.update({k: v for k, v in extra.items() if k not in entry})
        return entry

    def __contains__(self, uid: object) -> bool:
        return uid in self._positions()

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __repr__(self) -> str:
        return f"SeriesRecords({len(self)} series)"

    def where_set(self, key: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(id, entry)`` for every entry whose ``key`` holds a true value (a non-empty list of
        splits, say), in ``ids`` order, without building the others: where ``key`` is neither a
        column nor truthy in ``common``, only the entries that set it in ``extra`` or were read
        (and so perhaps edited) are looked at.

        >>> r = SeriesRecords(["a", "b", "c"], {}, {"splits": []}, {"c": {"splits": [1]}})
        >>> list(r.where_set("splits"))
        [('c', {'splits': [1]})]
        """
        if key in self._columns or self._common.get(key):
            chosen: Iterable[str] = self._ids
        else:
            some = {u for u, e in self._extra.items() if e.get(key)} | set(self._built)
            if not some:
                return
            at = self._positions()
            chosen = sorted(some, key=at.__getitem__)
        for uid in chosen:
            entry = self.build(uid)
            if entry.get(key):
                yield uid, entry

    def _positions(self) -> dict[str, int]:
        if self._at is None:
            self._at = {u: i for i, u in enumerate(self._ids)}
        return self._at

    def to_columns(self) -> dict[str, Any]:
        """The records as JSON-ready columns (entries read and edited since count as extra);
        ``SeriesRecords.from_columns`` rebuilds them: a million series in a few lists."""
        return {
            "ids": self._ids,
            "columns": self._columns,
            "common": self._common,
            "extra": {**self._extra, **self._built},
            "order": self._order,
        }

    @classmethod
    def from_columns(cls, d: dict[str, Any]) -> SeriesRecords:
        """The records ``to_columns`` wrote."""
        return cls(d["ids"], d["columns"], d["common"], d["extra"], order=d["order"])


class Joined(Mapping[str, dict[str, Any]]):
    """Several ``series`` records (of disjoint partitions) read as one, in order, none copied."""

    def __init__(self, parts: Sequence[Mapping[str, dict[str, Any]]]) -> None:
        self._parts: list[Mapping[str, dict[str, Any]]] = []
        for p in parts:
            self._parts += p._parts if isinstance(p, Joined) else [p]

    def __getitem__(self, uid: str) -> dict[str, Any]:
        for p in self._parts:
            if uid in p:
                return p[uid]
        raise KeyError(uid)

    def __iter__(self) -> Iterator[str]:
        for p in self._parts:
            yield from p

    def __len__(self) -> int:
        return sum(len(p) for p in self._parts)

    def __repr__(self) -> str:
        return f"Joined({len(self)} series)"

    def where_set(self, key: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """``where_set`` of each part, in order (``SeriesRecords.where_set``)."""
        for p in self._parts:
            yield from where_set(p, key)


def where_set(
    series: Mapping[str, dict[str, Any]], key: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(id, entry)`` of a read record's ``series`` whose ``key`` holds a true value, in order;
    a ``SeriesRecords`` (or ``Joined``) builds only the few entries that can (its ``where_set``).

    >>> list(where_set({"a": {"splits": []}, "b": {"splits": [1]}}, "splits"))
    [('b', {'splits': [1]})]
    """
    if isinstance(series, SeriesRecords | Joined):
        yield from series.where_set(key)
        return
    for uid, entry in series.items():
        if entry.get(key):
            yield uid, entry


def run_starts(values: np.ndarray) -> np.ndarray:
    """(R,) the index where each run of equal values starts (``values``: (T,), a series column
    grouped into runs): ``np.flatnonzero(np.r_[True, values[1:] != values[:-1]])``.

    Ids of a frame read by ``read_prices`` are a few string objects shared by every row of their
    series: for those, runs are found by comparing the objects' addresses (integers: one fast
    pass) and only the few places where the address changes are compared as text.

    >>> run_starts(np.array(["a", "a", "b", "a"], dtype=object)).tolist()
    [0, 2, 3]
    """
    if len(values) == 0:
        return np.zeros(0, dtype=np.intp)
    if values.dtype == object and values.flags.c_contiguous:
        address = np.frombuffer(values, dtype=np.intp)  # (T,) the objects' addresses
        moved = np.flatnonzero(address[1:] != address[:-1]) + 1  # a superset of the run starts
        # the same object is the same value where a value equals itself (a str; not NaN)
        few = len(moved) <= len(values) // 8  # else: an object per row, compare them all
        if few and pd.api.types.infer_dtype(values[np.r_[0, moved]], skipna=False) == "string":
            return np.r_[0, moved[values[moved] != values[moved - 1]]].astype(np.intp)
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]])


def json_default(x: Any) -> Any:
    """A JSON ``default``: a lazy mapping (``SeriesRecords``) as a dict, numpy scalars as
    numbers, anything else as its text."""
    if isinstance(x, Mapping):  # entries built for the text only: none kept
        return {k: x.build(k) if isinstance(x, SeriesRecords) else x[k] for k in x}
    if isinstance(x, np.generic):
        return x.item()
    return str(x)


@dataclass(frozen=True)
class Panel:
    """``values[offsets[s]:offsets[s + 1]]`` is series ``ids[s]``, oldest first."""

    ids: np.ndarray  # (S,) series ids
    ds: np.ndarray  # (T,) timestamps
    values: np.ndarray  # (T,) float64 prices
    offsets: np.ndarray  # (S + 1,) int64

    @property
    def n_series(self) -> int:
        return len(self.ids)

    @property
    def lengths(self) -> np.ndarray:  # (S,)
        return np.diff(self.offsets)

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> Panel:
        missing = {"unique_id", "ds", "y"} - set(df.columns)
        if missing:
            raise DataError(
                f"the frame has no column {sorted(missing)}; expected unique_id, ds, y "
                "(read files with weightfit.data.read_prices)"
            )
        uid = df["unique_id"].to_numpy()
        starts = run_starts(uid)  # runs of one id
        ids = np.asarray([str(i) for i in uid[starts]], dtype=object)
        if not pd.Index(ids).is_unique:  # an id in two runs: not grouped
            raise DataError("the frame is not sorted by unique_id; sort it by (unique_id, ds)")
        values = df["y"].to_numpy(dtype=np.float64)
        if not np.isfinite(values).all():
            i = int(np.flatnonzero(~np.isfinite(values))[0])
            raise DataError(f"row {i}: y is {values[i]!r}; drop or fix missing prices first")
        ds = df["ds"].to_numpy()
        back = ds[1:] <= ds[:-1]  # (T - 1,) a step that does not go forward in time
        back[starts[1:] - 1] = False  # the step into the next series is no step
        if bool(back.any()):
            raise DataError("the frame is not sorted by ds within each series; sort it")
        return cls(ids, ds, values, np.r_[starts, len(uid)].astype(np.int64))

    def running_sum(self) -> np.ndarray:
        """(T,) each series' cumulative sum, restarting at every series: ``np.cumsum`` of each
        series on its own (sequential), so the same numbers whatever other series the panel
        holds (partitions equal one run). The series of one length are summed together, as
        the rows of one (series, length) array."""
        lengths = self.lengths
        if len(lengths) and bool((lengths == lengths[0]).all()):  # a rectangular panel
            return np.cumsum(self.values.reshape(len(lengths), -1), axis=1).ravel()
        out = np.empty_like(self.values)
        for n in np.unique(lengths):
            rows = self.offsets[:-1][lengths == n][:, None] + np.arange(n)  # (k, n)
            out[rows] = np.cumsum(self.values[rows], axis=1)
        return out

    def segment_sum(self, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
        """``values[start[i]:stop[i]].sum()`` for every i."""
        return segment_sum(self.values, start, stop)


def segment_sum(values: np.ndarray, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """``values[start[i]:stop[i]].sum()`` for every i, in time linear in ``len(values)`` and
    ``len(start)``. Segments must be non-empty.

    Segments that together cover at most a few times the values (windows, disjoint parts) are
    summed by one ``np.add.reduceat`` pass; overlapping ones (a growing history per cutoff,
    whose total length grows as the square of the series) by differences of one cumulative
    sum, of the values less their mean so that the differences keep their precision.
    """
    if len(start) == 0:
        return np.zeros(0)
    n = len(values)
    if int(np.sum(stop - start)) > 4 * n + len(start):
        ref = float(values.mean()) if n else 0.0
        ref = ref if np.isfinite(ref) else 0.0
        total = np.empty(n + 1)
        total[0] = 0.0
        np.cumsum(values - ref, out=total[1:])
        return total[stop] - total[start] + (stop - start) * ref
    at_end = stop >= n  # reduceat cannot take the end of the array as an index
    bounds = np.empty(2 * len(start), dtype=np.int64)
    bounds[0::2], bounds[1::2] = start, np.where(at_end, n - 1, stop)
    sums = np.add.reduceat(values, bounds)[0::2]
    # a segment cut at n - 1 lacks the last value; a segment starting there has only it
    only_last = at_end & (start == n - 1)
    sums[at_end & ~only_last] += values[-1]
    sums[only_last] = values[-1]
    return sums
