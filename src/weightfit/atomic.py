"""Atomic file writes, the one way the package writes a file: a failed or killed run never
leaves a half-written file in place of a good one.

Temporary files are named ``.NAME.wf-tmp-PID-RANDOM[SUFFIX]`` beside their target, so that the
next write of the same target removes those a killed process (a dead PID) left behind.
``OutputSet`` writes several outputs as one: each is staged in such a temporary path and all
are renamed into place at the end, so a failed or interrupted run replaces none of them.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from weightfit.errors import ConfigError

_TAG = ".wf-tmp-"


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place.

    Args:
        path: the file to create or replace; its folder is created if missing.
        write: writes the content to the temporary path it is given.

    Returns the path. A folder that cannot be written is a ``ConfigError`` naming it.
    """
    path = Path(path)
    tmp = _begin(path)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # as an ordinary new file
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {str(path)!r}: {e.strerror or e}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _begin(path: Path) -> Path:
    """A fresh, empty temporary file beside ``path`` (its folder made, a dead run's leftovers
    removed); a place that cannot be written is a ``ConfigError`` naming ``path``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(path)
        tmp = temporary(path, path.suffix)
        tmp.touch(exist_ok=False)
    except OSError as e:
        raise ConfigError(f"cannot write {str(path)!r}: {e.strerror or e}") from None
    return tmp


def temporary(path: Path, suffix: str = "") -> Path:
    """A fresh temporary name beside ``path`` (not created), ending in ``suffix``."""
    return path.parent / f".{path.name}{_TAG}{os.getpid()}-{secrets.token_hex(4)}{suffix}"


def clean_stale(path: Path) -> list[Path]:
    """Remove the temporary files and folders of ``path`` that a dead process left behind."""
    pattern = re.compile(re.escape(f".{path.name}{_TAG}") + r"(\d+)-[0-9a-f]{8}")
    removed = []
    with contextlib.suppress(OSError):
        for p in path.parent.iterdir():
            m = pattern.match(p.name)
            if m and not _alive(int(m.group(1))):
                _remove(p)
                removed.append(p)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: someone else's live process
        return True
    return True


def _remove(p: Path) -> None:
    with contextlib.suppress(OSError):
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()


class OutputSet:
    """Several output files and folders, written as one.

    ``add`` checks a target before any work (its folder can be written; a file is not a
    folder and has an allowed suffix); ``stage`` gives the temporary path to write it to;
    ``commit`` renames every staged output into place; leaving the ``with`` block with an
    exception (Ctrl-C included) removes the staged files and replaces nothing.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with OutputSet() as outputs:
    ...     target = outputs.add(folder / "a.csv", suffixes=(".csv",))
    ...     _ = outputs.stage(target).write_text("x\\n")
    ...     outputs.commit()
    [PosixPath('...a.csv')]
    """

    def __init__(self) -> None:
        self._targets: dict[Path, bool] = {}  # target -> is a folder
        self._staged: dict[Path, Path] = {}  # target -> temporary path

    def add(
        self, path: str | Path, *, folder: bool = False, suffixes: tuple[str, ...] = ()
    ) -> Path:
        """Check ``path`` now and return it. ``folder``: a folder of files (plots)."""
        target = Path(path)
        shown = str(path)
        if target in self._targets:
            raise ConfigError(f"{shown!r} is given for two outputs; give each its own path")
        if target.is_dir() and not folder:
            raise ConfigError(f"Invalid output {shown!r}: a folder; give a file name")
        if not folder and suffixes and target.suffix.lower() not in suffixes:
            raise ConfigError(
                f"Invalid output {shown!r}: expected a file ending in {' or '.join(suffixes)}"
            )
        if target.exists() and folder and not target.is_dir():
            raise ConfigError(f"Invalid output {shown!r}: a file; give a folder for the plots")
        parent = _existing_parent(target)
        if not parent.is_dir():
            raise ConfigError(f"cannot write {shown!r}: {str(parent)!r} is not a folder")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise ConfigError(f"cannot write {shown!r}: the folder {str(parent)!r} is read-only")
        self._targets[target] = folder
        return target

    def stage(self, target: Path) -> Path:
        """The temporary path to write ``target`` to (a folder is created; a file is not)."""
        folder = self._targets[target]
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            clean_stale(target)
            tmp = temporary(target, "" if folder else target.suffix)
            if folder:
                tmp.mkdir()
        except OSError as e:
            raise ConfigError(f"cannot write {str(target)!r}: {e.strerror or e}") from None
        self._staged[target] = tmp
        return tmp

    def commit(self) -> list[Path]:
        """Rename every staged output into place; returns the paths written (a folder's
        files one by one)."""
        written: list[Path] = []
        try:
            for target, tmp in self._staged.items():
                if self._targets[target]:
                    target.mkdir(parents=True, exist_ok=True)
                    for f in sorted(tmp.iterdir()):
                        os.chmod(f, 0o666 & ~_umask())
                        os.replace(f, target / f.name)
                        written.append(target / f.name)
                    tmp.rmdir()
                else:
                    os.chmod(tmp, 0o666 & ~_umask())
                    os.replace(tmp, target)
                    written.append(target)
        except OSError as e:
            self.discard()
            raise ConfigError(f"cannot write {str(target)!r}: {e.strerror or e}") from None
        self._staged.clear()
        return written

    def discard(self) -> None:
        """Remove every staged output; the targets stay as they were."""
        for tmp in self._staged.values():
            _remove(tmp)
        self._staged.clear()

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.discard()  # after commit there is nothing left to discard


def _existing_parent(path: Path) -> Path:
    parent = path.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return parent


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


FRAME_SUFFIXES = (".csv", ".parquet", ".pq")


def _frame_suffix(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FRAME_SUFFIXES:
        raise ConfigError(
            f"Invalid output {str(path)!r}: expected a file ending in .csv or .parquet"
        )
    return suffix


def write_frame(frame: Any, path: str | Path) -> Path:
    """A pandas frame to ``.csv`` or ``.parquet`` (no index), atomically."""
    with FrameWriter(path) as writer:
        writer.write(frame)
    return Path(path)


class FrameWriter:
    """Frames appended in order to one ``.csv`` or ``.parquet`` file, which appears (by an
    atomic rename) only when the ``with`` block ends without an error: the way a table of
    millions of rows is written a partition at a time, never held whole.

    The columns and their types are the first frame's (a column that is all None there is
    text); every later frame must have the same columns.

    >>> import tempfile, pandas as pd
    >>> path = Path(tempfile.mkdtemp()) / "t.parquet"
    >>> with FrameWriter(path) as w:
    ...     w.write(pd.DataFrame({"a": [1, 2], "b": [None, None]}))
    ...     w.write(pd.DataFrame({"a": [3], "b": ["x"]}))
    >>> pd.read_parquet(path)["b"].tolist()
    [None, None, 'x']
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.suffix = _frame_suffix(path)
        self.rows = 0
        self._tmp: Path | None = None
        self._writer: Any = None
        self._schema: Any = None
        self._header = False  # the CSV header is written

    def __enter__(self) -> FrameWriter:
        self._tmp = _begin(self.path)
        return self

    def write(self, frame: Any) -> None:
        """Append ``frame``'s rows (a pandas DataFrame; its index is not written)."""
        assert self._tmp is not None, "use FrameWriter in a with block"
        if self.suffix == ".csv":
            frame.to_csv(self._tmp, index=False, header=not self._header, mode="a")
            self._header = True
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            plain = frame.copy(deep=False)
            plain.attrs = {}
            if self._schema is None:
                table = pa.Table.from_pandas(plain, preserve_index=False)
                fields = [
                    f.with_type(pa.string()) if pa.types.is_null(f.type) else f
                    for f in table.schema
                ]
                self._schema = pa.schema(fields, metadata=table.schema.metadata)
                self._writer = pq.ParquetWriter(self._tmp, self._schema)
            table = pa.Table.from_pandas(plain, schema=self._schema, preserve_index=False)
            self._writer.write_table(table)
        self.rows += len(frame)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        assert self._tmp is not None
        try:
            if self._writer is not None:
                self._writer.close()
            if kind is None:
                os.chmod(self._tmp, 0o666 & ~_umask())
                os.replace(self._tmp, self.path)
        except OSError as e:
            raise ConfigError(f"cannot write {str(self.path)!r}: {e.strerror or e}") from None
        finally:
            self._tmp.unlink(missing_ok=True)
