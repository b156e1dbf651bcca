"""Opening the gateway's own small SQLite stores (idempotency, jobs, events, audit) one way."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_store(path: Path | None, schema: str,
               added_columns: dict[str, dict[str, str]] | None = None,
               synchronous: str = "NORMAL") -> sqlite3.Connection:
    """A WAL-mode connection, usable from several threads under the caller's own lock.

    `path` None keeps the store in memory. `added_columns` (table -> column -> type) are
    added to files made by older versions, so a store never needs to be thrown away.
    """
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False,
                         isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={synchronous}")
    db.executescript(schema)
    for table, columns in (added_columns or {}).items():
        present = {r["name"] for r in db.execute(f"PRAGMA table_info({table})")}
        for column, kind in columns.items():
            if column not in present:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    return db
