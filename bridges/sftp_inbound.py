"""Inbound batch files: poll SFTP folders and ingest each file exactly once.

The processed-files ledger is SQLite. A file's ingestion (whatever the `ingest` hook writes
through the connection it is given) and its ledger row commit in ONE transaction, so a crash
at any point (kill -9 mid-file) leaves either both or neither: on restart an unfinished file
is simply ingested again from the start (its download resumes). `batch_file_arrived` events
go out after the commit and are marked as sent, so they are delivered at least once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bridges.base import Bridge
from bridges.errors import BridgeError, NotFound
from bridges.sftp import Download, RemoteFile, download, list_folder, read_file

log = logging.getLogger(__name__)
Event = dict[str, Any]
Ingest = Callable[[RemoteFile, Path, sqlite3.Connection], int]  # returns records ingested
CHECKSUM_SUFFIX = ".sha256"  # a sidecar "<hex>  <name>" the sender may publish

_SCHEMA = """
CREATE TABLE IF NOT EXISTS processed_files (
    file_key TEXT PRIMARY KEY, folder TEXT NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL,
    sha256 TEXT NOT NULL, records INTEGER NOT NULL, ingested_at TEXT NOT NULL,
    notified INTEGER NOT NULL DEFAULT 0)
"""


class Ledger:
    """Which remote files are ingested; shared by every poller of one system."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                                    timeout=30)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute(_SCHEMA)

    @staticmethod
    def key(file: RemoteFile) -> str:
        return file.path

    def is_done(self, file: RemoteFile) -> bool:
        row = self.conn.execute("SELECT 1 FROM processed_files WHERE file_key = ?",
                                (self.key(file),)).fetchone()
        return row is not None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def ingest(self, file: RemoteFile, sha256: str, local: Path, hook: Ingest) -> int | None:
        """Run `hook` and record the file, atomically; None if it was already ingested."""
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM processed_files WHERE file_key = ?",
                            (self.key(file),)).fetchone():
                return None
            records = hook(file, local, conn)
            conn.execute(
                "INSERT INTO processed_files (file_key, folder, name, size, sha256, records, "
                "ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self.key(file), file.folder, file.name, file.size, sha256, records,
                 datetime.now(UTC).isoformat()))
        return records

    def unnotified(self) -> list[sqlite3.Row]:
        self.conn.row_factory = sqlite3.Row
        try:
            return self.conn.execute("SELECT * FROM processed_files WHERE notified = 0 "
                                     "ORDER BY ingested_at, file_key").fetchall()
        finally:
            self.conn.row_factory = None

    def mark_notified(self, file_key: str) -> None:
        self.conn.execute("UPDATE processed_files SET notified = 1 WHERE file_key = ?",
                          (file_key,))

    def close(self) -> None:
        self.conn.close()


def local_name(file: RemoteFile) -> str:
    """A local file name that owes nothing to the remote name but its validated form."""
    return hashlib.sha256(file.path.encode()).hexdigest()[:24] + "-" + file.name


class InboundPoller:
    """Lists `folders`, downloads new files, ingests them via the ledger, emits events."""

    def __init__(self, bridge: Bridge[Any, Any], ledger: Ledger, folders: list[str], workdir: Path,
                 ingest: Ingest, on_event: Callable[[Event], None]) -> None:
        self.bridge = bridge
        self.ledger = ledger
        self.folders = folders
        self.workdir = workdir
        self.ingest = ingest
        self.on_event = on_event
        workdir.mkdir(parents=True, exist_ok=True)

    async def _checksum(self, file: RemoteFile, names: set[str]) -> str | None:
        sidecar = file.name + CHECKSUM_SUFFIX
        if sidecar not in names:
            return None
        text = await read_file(self.bridge, file.folder, sidecar, max_bytes=4096)
        return text.decode("ascii", errors="replace").split()[0].lower()

    async def poll_once(self) -> list[str]:
        """Ingest every new file once; returns the keys ingested by this call."""
        done: list[str] = []
        for folder in self.folders:
            listing = await list_folder(self.bridge, folder)
            names = {f.name for f in listing}
            for file in listing:
                if file.name.endswith(CHECKSUM_SUFFIX) or file.name.startswith(".") \
                        or self.ledger.is_done(file):
                    continue
                if await self._one(file, names):
                    done.append(Ledger.key(file))
        self.flush_events()
        return done

    async def _one(self, file: RemoteFile, names: set[str]) -> bool:
        local = self.workdir / local_name(file)
        try:
            checksum = await self._checksum(file, names)
            transferred = await download(self.bridge, Download(
                file.folder, file.name, local, expected_size=file.size, sha256=checksum))
        except NotFound:
            return False  # gone between listing and download: the next poll decides
        records = await asyncio.to_thread(self.ledger.ingest, file, transferred.sha256, local,
                                          self.ingest)
        with suppress(FileNotFoundError):
            local.unlink()
        return records is not None

    def flush_events(self) -> None:
        for row in self.ledger.unnotified():
            self.on_event({"type": "batch_file_arrived", "file_id": row["file_key"],
                           "folder": row["folder"], "name": row["name"], "size": row["size"],
                           "sha256": row["sha256"], "records": row["records"],
                           "ingested_at": row["ingested_at"]})
            self.ledger.mark_notified(row["file_key"])

    async def run(self, interval_s: float, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; a failed poll is logged and retried next interval."""
        while not stop.is_set():
            try:
                await self.poll_once()
            except BridgeError as exc:
                log.warning("poll of %s failed: %s", self.bridge.system, exc.message)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)
