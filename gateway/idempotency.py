"""First results of write calls, so a repeated idempotency key never writes twice.

Keyed by (agent, tool, key); the arguments' fingerprint is stored too, and a key reused with
different arguments is refused rather than silently answered with an unrelated result.
SQLite: a file under the state folder, or memory when none is configured.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from gateway.errors import InvalidArguments
from gateway.sqlite_store import open_store

_SCHEMA = """CREATE TABLE IF NOT EXISTS first_results (
    agent TEXT NOT NULL, tool TEXT NOT NULL, key TEXT NOT NULL,
    fingerprint TEXT NOT NULL, result TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (agent, tool, key))"""


def fingerprint(arguments: dict[str, Any]) -> str:
    canonical = json.dumps(arguments, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class IdempotencyStore:
    def __init__(self, path: Path | None = None) -> None:
        self._db = open_store(path, _SCHEMA)
        self._db_lock = threading.Lock()
        self._key_locks: dict[tuple[str, str, str], asyncio.Lock] = {}

    def key_lock(self, agent: str, tool: str, key: str) -> asyncio.Lock:
        """Concurrent calls with one key run one after the other: the second sees the first."""
        return self._key_locks.setdefault((agent, tool, key), asyncio.Lock())

    def _lookup(self, agent: str, tool: str, key: str, fp: str) -> dict[str, Any] | None:
        with self._db_lock:
            row = self._db.execute(
                "SELECT fingerprint, result FROM first_results WHERE agent=? AND tool=? AND key=?",
                (agent, tool, key)).fetchone()
        if row is None:
            return None
        if row[0] != fp:
            raise InvalidArguments(
                f"idempotency key {key!r} was already used for {tool} with other arguments; "
                "use a new key for a new request")
        result: dict[str, Any] = json.loads(row[1])
        return result

    def _save(self, agent: str, tool: str, key: str, fp: str, result: dict[str, Any]) -> None:
        with self._db_lock:
            self._db.execute(
                "INSERT INTO first_results (agent, tool, key, fingerprint, result) "
                "VALUES (?, ?, ?, ?, ?)", (agent, tool, key, fp, json.dumps(result)))

    async def lookup(self, agent: str, tool: str, key: str, fp: str) -> dict[str, Any] | None:
        return await asyncio.to_thread(self._lookup, agent, tool, key, fp)

    async def save(self, agent: str, tool: str, key: str, fp: str,
                   result: dict[str, Any]) -> None:
        await asyncio.to_thread(self._save, agent, tool, key, fp, result)

    def close(self) -> None:
        with self._db_lock:
            self._db.close()
