"""The run store's SQLite schema, versioned by ``PRAGMA user_version``, and its migrations.

``MIGRATIONS[i]`` takes a database at version ``i`` to version ``i + 1``; a new database runs
them all. Never edit a published step: add one.

Version 1 kept every forecast's loss in the ``losses`` table. Version 2 keeps the bulk (the
forecasts, the per-series measures) in Parquet files beside the database, which the run points
at (``data_dir``), adds the ``complete`` flag (a run killed while recording stays visible as
incomplete), the git commit and what the fingerprint was computed from. Runs recorded at
version 1 are still read, from their ``losses`` rows.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[str] = [
    # 0 -> 1
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        kind TEXT NOT NULL,
        command TEXT NOT NULL,
        version TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        n_series INTEGER NOT NULL,
        n_forecasts INTEGER NOT NULL,
        models TEXT NOT NULL,      -- JSON list, baselines first
        fitted TEXT NOT NULL,      -- JSON list: the weight models
        metrics TEXT NOT NULL,     -- JSON list
        settings TEXT NOT NULL,    -- JSON object
        read TEXT NOT NULL,        -- JSON object: the read record's sources
        overall TEXT NOT NULL,     -- JSON object: the overall tests and verdict
        leaderboard TEXT NOT NULL  -- JSON records: Report.table()
    );
    CREATE TABLE losses (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        unique_id TEXT NOT NULL,
        ds TEXT NOT NULL,
        cutoff TEXT NOT NULL,
        model TEXT NOT NULL,
        y REAL,
        y_hat REAL
    );
    CREATE INDEX losses_run ON losses(run_id);
    """,
    # 1 -> 2
    """
    ALTER TABLE runs ADD COLUMN git_commit TEXT;
    ALTER TABLE runs ADD COLUMN fingerprint_of TEXT NOT NULL DEFAULT 'data';
    ALTER TABLE runs ADD COLUMN data_dir TEXT;
    ALTER TABLE runs ADD COLUMN complete INTEGER NOT NULL DEFAULT 1;
    CREATE INDEX runs_fingerprint ON runs(fingerprint);
    """,
]
VERSION = len(MIGRATIONS)


def migrate(con: sqlite3.Connection) -> int:
    """Bring ``con``'s database to ``VERSION``, one step per transaction; returns the version
    found. Safe when several processes open a new store at once: each step re-reads the version
    under the write lock."""
    found = int(con.execute("PRAGMA user_version").fetchone()[0])
    if found > VERSION:
        from weightfit.errors import ConfigError

        raise ConfigError(
            f"the run store is at schema version {found}, newer than this weightfit "
            f"understands ({VERSION}); upgrade weightfit"
        )
    while True:
        con.execute("BEGIN IMMEDIATE")
        try:
            now = int(con.execute("PRAGMA user_version").fetchone()[0])
            if now >= VERSION:
                con.execute("COMMIT")
                return found
            for statement in _statements(MIGRATIONS[now]):
                con.execute(statement)
            con.execute(f"PRAGMA user_version = {now + 1}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


def _statements(script: str) -> list[str]:
    """A script's statements, so that they run inside our transaction (``executescript``
    would commit first)."""
    lines = [line.split("--")[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
