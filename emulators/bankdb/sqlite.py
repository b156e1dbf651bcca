"""The bank database as a SQLite file, reached through unixODBC's SQLite3 driver."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from emulators.bankdb.base import BankDatabase
from emulators.bankdb.rows import TABLES, schema_sql, table_rows
from emulators.dataset import BankDataset

# SQLite has no sleep(): a recursive count burns about 1 s of CPU per 8 million steps here.
_STEPS_PER_SECOND = 8_000_000
# Schema changes wait for readers (clients' statements, pollers) to finish or be cancelled.
_ADMIN_LOCK_WAIT_S = 30.0


class SqliteBankDb(BankDatabase):
    def __init__(self, path: Path) -> None:
        self.path = path

    def start(self) -> None:
        """Build the file from the dataset unless it is already there."""
        if self.path.exists():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".building")
        tmp.unlink(missing_ok=True)
        data = BankDataset()
        with sqlite3.connect(tmp) as db:
            db.executescript(schema_sql())
            for name, spec in TABLES.items():
                marks = ",".join("?" * len(spec.columns))
                db.executemany(f"INSERT INTO {name} VALUES ({marks})",
                               table_rows(name, data, pad_char=True))
        db.close()
        tmp.replace(self.path)

    def stop(self) -> None:
        """A file database is 'down' when its file is gone."""
        self.path.unlink(missing_ok=True)

    def connection(self) -> dict[str, Any]:
        # NoCreat: a missing file is an error, not a silently empty new database.
        return {"driver": "SQLite3", "database": str(self.path),
                "options": {"NoCreat": "1", "Timeout": "5000"}}

    def set_slow_statements(self, seconds: float) -> None:
        with sqlite3.connect(self.path, timeout=_ADMIN_LOCK_WAIT_S) as db:
            has_view = db.execute(
                "SELECT 1 FROM sqlite_master WHERE name='TXNHIST' AND type='view'").fetchone()
            if has_view:
                db.executescript("DROP VIEW TXNHIST; ALTER TABLE TXNHIST_DATA RENAME TO TXNHIST;")
            if seconds > 0:
                steps = int(seconds * _STEPS_PER_SECOND)
                db.executescript(
                    "ALTER TABLE TXNHIST RENAME TO TXNHIST_DATA;"
                    "CREATE VIEW TXNHIST AS SELECT * FROM TXNHIST_DATA WHERE (WITH RECURSIVE "
                    f"c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {steps}) "
                    "SELECT count(*) FROM c) > 0;")
        db.close()

    def execute_script(self, sql: str) -> None:
        with sqlite3.connect(self.path, timeout=_ADMIN_LOCK_WAIT_S) as db:
            db.executescript(sql)
        db.close()
