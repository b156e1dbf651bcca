"""The event log: every legacy change event once, in order, with the feeds' positions.

SQLite (a file under the state folder, else memory). `seq` is the public event id (SSE
`id:`, Last-Event-ID). An event's `key` is unique, and a feed's new position is written in the
same transaction as its events, so a restart neither loses nor repeats a change. Webhook
subscriptions live here too, each with the position it has delivered up to.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from gateway.sqlite_store import open_store

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
    system TEXT NOT NULL, recorded_at TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feed_positions (feed TEXT PRIMARY KEY, position TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS subscriptions (
    id TEXT PRIMARY KEY, agent TEXT NOT NULL, url TEXT NOT NULL, types TEXT NOT NULL,
    position INTEGER NOT NULL, created_at TEXT NOT NULL, last_delivery TEXT, grants TEXT);
"""
# Columns added after the first release, for stores created before them.
_ADDED_COLUMNS = {"subscriptions": {"grants": "TEXT"}}


@dataclass(frozen=True)
class Event:
    seq: int
    type: str
    system: str
    recorded_at: str
    data: dict[str, Any]

    def public(self) -> dict[str, Any]:
        return {"id": str(self.seq), "type": self.type, "system": self.system,
                "recorded_at": self.recorded_at, "data": self.data}


@dataclass(frozen=True)
class Subscription:
    id: str
    agent: str
    url: str
    types: list[str]
    position: int
    created_at: str
    last_delivery: dict[str, Any] | None
    grants: dict[str, Any] | None = None  # a token caller's roles at subscription time

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "types": self.types,
                "delivered_up_to": str(self.position), "created_at": self.created_at,
                "last_delivery": self.last_delivery}


def _subscription(row: sqlite3.Row) -> Subscription:
    return Subscription(id=row["id"], agent=row["agent"], url=row["url"],
                        types=json.loads(row["types"]), position=row["position"],
                        created_at=row["created_at"],
                        last_delivery=json.loads(row["last_delivery"])
                        if row["last_delivery"] else None,
                        grants=json.loads(row["grants"]) if row["grants"] else None)


class EventStore:
    def __init__(self, path: Path | None = None) -> None:
        self._db = open_store(path, _SCHEMA, _ADDED_COLUMNS)
        self._lock = threading.Lock()

    async def _do(self, work: Callable[[sqlite3.Connection], T]) -> T:
        def locked() -> T:
            with self._lock:
                return work(self._db)
        return await asyncio.to_thread(locked)

    async def position(self, feed: str) -> str | None:
        def read(db: sqlite3.Connection) -> str | None:
            row = db.execute("SELECT position FROM feed_positions WHERE feed = ?",
                             (feed,)).fetchone()
            return row[0] if row else None
        return await self._do(read)

    async def append(self, feed: str, system: str, events: list[tuple[str, str, dict[str, Any]]],
                     position: str | None) -> int:
        """Store (key, type, data) events and the feed's new position atomically."""
        now = datetime.now(UTC).isoformat()

        def write(db: sqlite3.Connection) -> int:
            db.execute("BEGIN IMMEDIATE")
            try:
                added = 0
                for key, type_, data in events:
                    added += db.execute(
                        "INSERT OR IGNORE INTO events (key, type, system, recorded_at, data) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (key, type_, system, now, json.dumps(data))).rowcount
                if position is not None:
                    db.execute("INSERT INTO feed_positions (feed, position) VALUES (?, ?) "
                               "ON CONFLICT (feed) DO UPDATE SET position = excluded.position",
                               (feed, position))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            return added
        return await self._do(write)

    async def after(self, seq: int, types: set[str], limit: int = 100) -> list[Event]:
        """Events after `seq` whose type is in `types`, oldest first."""
        if not types:
            return []
        marks = ",".join("?" * len(types))

        def read(db: sqlite3.Connection) -> list[Event]:
            rows = db.execute(
                f"SELECT * FROM events WHERE seq > ? AND type IN ({marks}) "  # noqa: S608
                "ORDER BY seq LIMIT ?", (seq, *sorted(types), limit)).fetchall()
            return [Event(seq=r["seq"], type=r["type"], system=r["system"],
                          recorded_at=r["recorded_at"], data=json.loads(r["data"]))
                    for r in rows]
        return await self._do(read)

    async def last_seq(self) -> int:
        def read(db: sqlite3.Connection) -> int:
            row = db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
            return int(row[0])
        return await self._do(read)

    # -- webhook subscriptions ---------------------------------------------------------------

    async def subscribe(self, agent: str, url: str, types: list[str],
                        grants: dict[str, Any]) -> Subscription:
        sub = Subscription(id=uuid.uuid4().hex, agent=agent, url=url, types=sorted(types),
                           position=await self.last_seq(),  # from now on, not the history
                           created_at=datetime.now(UTC).isoformat(), last_delivery=None,
                           grants=grants)

        def write(db: sqlite3.Connection) -> None:
            db.execute("INSERT INTO subscriptions (id, agent, url, types, position, created_at, "
                       "grants) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (sub.id, sub.agent, sub.url, json.dumps(sub.types), sub.position,
                        sub.created_at, json.dumps(grants)))
        await self._do(write)
        return sub

    async def subscriptions(self, agent: str | None = None) -> list[Subscription]:
        def read(db: sqlite3.Connection) -> list[Subscription]:
            if agent is None:
                rows = db.execute("SELECT * FROM subscriptions ORDER BY created_at").fetchall()
            else:
                rows = db.execute("SELECT * FROM subscriptions WHERE agent = ? "
                                  "ORDER BY created_at", (agent,)).fetchall()
            return [_subscription(r) for r in rows]
        return await self._do(read)

    async def unsubscribe(self, agent: str, sub_id: str) -> bool:
        return await self._do(lambda db: db.execute(
            "DELETE FROM subscriptions WHERE id = ? AND agent = ?", (sub_id, agent)).rowcount > 0)

    async def delivered(self, sub_id: str, position: int, record: dict[str, Any]) -> None:
        """Record a delivery attempt; the position moves only past delivered events."""
        await self._do(lambda db: db.execute(
            "UPDATE subscriptions SET position = MAX(position, ?), last_delivery = ? "
            "WHERE id = ?", (position, json.dumps(record), sub_id)))

    async def lease(self, sub_id: str) -> bool:
        """One process delivers everything here: always its turn."""
        return True

    async def release(self, sub_id: str) -> None:
        """Nothing to release: see `lease`."""

    async def aclose(self) -> None:
        with self._lock:
            self._db.close()


class EventLog(Protocol):
    """What the event service needs from a store: SQLite (embedded) or Redis Streams."""

    async def position(self, feed: str) -> str | None: ...

    async def append(self, feed: str, system: str, events: list[tuple[str, str, dict[str, Any]]],
                     position: str | None) -> int: ...

    async def after(self, seq: int, types: set[str], limit: int = 100) -> list[Event]: ...

    async def last_seq(self) -> int: ...

    async def subscribe(self, agent: str, url: str, types: list[str],
                        grants: dict[str, Any]) -> Subscription: ...

    async def subscriptions(self, agent: str | None = None) -> list[Subscription]: ...

    async def unsubscribe(self, agent: str, sub_id: str) -> bool: ...

    async def delivered(self, sub_id: str, position: int, record: dict[str, Any]) -> None: ...

    async def lease(self, sub_id: str) -> bool: ...

    async def release(self, sub_id: str) -> None: ...

    async def aclose(self) -> None: ...
