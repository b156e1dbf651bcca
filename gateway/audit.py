"""The append-only, hash-chained audit log of tool calls (SQLite), its observer and verifier.

Record i is stored as canonical JSON with `hash_i = sha256(hash_{i-1} + json_i)`, starting from
64 zeros. A `head` row, updated in the same transaction, holds the last index and hash, so a
truncated tail shows too. Triggers refuse UPDATE and DELETE through SQLite; whoever drops them
to edit, delete or reorder rows breaks the chain, and `verify` names the first bad index.

Durability: WAL with synchronous=NORMAL by default. A commit then reaches the OS but is not
fsynced, so a process crash loses nothing and a power cut may lose the last few records, never
the chain's consistency (WAL commits are atomic). `fsync=True` syncs every commit instead
(synchronous=FULL), at about a disk flush per call. Appends run on the caller's thread under
one lock: a single indexed insert is tens of microseconds, cheaper than a hop to a thread.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.masking import Masker
from gateway.observe import CallRecord
from gateway.sqlite_store import open_store

GENESIS = "0" * 64

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY, started_at TEXT NOT NULL, agent TEXT NOT NULL, customer_id TEXT,
    record TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS records_by_agent ON records (agent, seq);
CREATE INDEX IF NOT EXISTS records_by_customer ON records (customer_id, seq);
CREATE INDEX IF NOT EXISTS records_by_time ON records (started_at);
CREATE TABLE IF NOT EXISTS head (
    id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
INSERT OR IGNORE INTO head (id, seq, hash) VALUES (1, -1, '""" + GENESIS + """');
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, record_json: str) -> str:
    return hashlib.sha256((prev_hash + record_json).encode("utf-8")).hexdigest()


def utc_text(moment: datetime) -> str:
    """One fixed format, so that timestamps compare as text in SQL."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Verdict:
    count: int  # records that verified
    first_bad: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad is None


def open_read_only(path: Path) -> sqlite3.Connection:
    """For verification: nothing is created or repaired, a missing file is an error."""
    if not path.is_file():
        raise FileNotFoundError(f"no audit log at {path}")
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def verify_chain(db: sqlite3.Connection) -> Verdict:
    """Walk the chain from the start; the first record that does not fit is named."""
    rows = db.execute("SELECT seq, started_at, agent, customer_id, record, prev_hash, hash "
                      "FROM records ORDER BY seq").fetchall()
    head = db.execute("SELECT seq, hash FROM head").fetchone()
    prev = GENESIS
    for expected, (seq, started_at, agent, customer, text, prev_hash, digest) in enumerate(rows):
        if seq != expected:
            return Verdict(expected, expected, f"record {expected} is missing")
        if prev_hash != prev:
            return Verdict(expected, seq, f"record {seq} does not follow record {seq - 1} "
                           "(removed, inserted or moved)")
        if chain_hash(prev, text) != digest:
            return Verdict(expected, seq, f"record {seq} was changed after it was written")
        try:
            record = json.loads(text)
        except ValueError:
            return Verdict(expected, seq, f"record {seq} is not JSON")
        found = (record.get("seq"), record.get("started_at"), record.get("agent"),
                 record.get("arguments", {}).get("customer_id"))
        if found != (seq, started_at, agent, customer):
            return Verdict(expected, seq, f"record {seq}'s index columns disagree with it")
        prev = digest
    count = len(rows)
    if head is None or tuple(head) != (count - 1, prev):
        return Verdict(count, count, f"the log ends at record {count - 1} but its head does "
                       "not: records were removed from the end")
    return Verdict(count)


class AuditLog:
    def __init__(self, path: Path | None = None, fsync: bool = False) -> None:
        self.path = path
        self._db = open_store(path, _SCHEMA, synchronous="FULL" if fsync else "NORMAL")
        self._lock = threading.Lock()

    def append(self, record: dict[str, Any]) -> int:
        """Chain one record (without `seq`, which is assigned here); returns its index."""
        with self._lock:
            # IMMEDIATE: the head is read and moved under the write lock, so even two
            # processes sharing the file keep one chain.
            self._db.execute("BEGIN IMMEDIATE")
            try:
                last, prev_hash = self._db.execute("SELECT seq, hash FROM head").fetchone()
                seq = last + 1
                text = canonical_json({**record, "seq": seq})
                digest = chain_hash(prev_hash, text)
                customer = record["arguments"].get("customer_id")
                self._db.execute(
                    "INSERT INTO records (seq, started_at, agent, customer_id, record, prev_hash,"
                    " hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (seq, record["started_at"], record["agent"],
                     customer if isinstance(customer, str) else None, text, prev_hash, digest))
                self._db.execute("UPDATE head SET seq = ?, hash = ?", (seq, digest))
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return seq

    def query(self, customer_id: str | None = None, agent: str | None = None,
              since: datetime | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """The newest `limit` matching records, oldest first, each with its hashes."""
        clauses, args = [], []
        for clause, value in (("customer_id = ?", customer_id), ("agent = ?", agent),
                              ("started_at >= ?", utc_text(since) if since else None)):
            if value is not None:
                clauses.append(clause)
                args.append(value)
        where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
        # Clauses are fixed strings chosen above; values go only through parameters.
        sql = (f"SELECT record, prev_hash, hash FROM records {where}"  # noqa: S608
               "ORDER BY seq DESC LIMIT ?")
        with self._lock:
            rows = self._db.execute(sql, (*args, limit)).fetchall()
        return [{**json.loads(text), "prev_hash": prev, "hash": digest}
                for text, prev, digest in reversed(rows)]

    def verify(self) -> Verdict:
        with self._lock:
            return verify_chain(self._db)

    def close(self) -> None:
        with self._lock:
            self._db.close()


class AuditObserver:
    """Writes every finished call to the log, its arguments masked. A failure fails the call."""

    def __init__(self, log: AuditLog, masker: Masker) -> None:
        self.log = log
        self.masker = masker

    def entry(self, call: CallRecord) -> dict[str, Any]:
        return {
            "started_at": utc_text(call.started_at), "trace_id": call.trace_id,
            "agent": call.agent, "on_behalf_of": call.on_behalf_of, "tool": call.tool,
            "system": call.system, "arguments": self.masker.arguments(call.arguments),
            "decision": call.decision, "reason": call.reason, "outcome": call.outcome,
            "status": call.status, "error_type": call.error_type,
            "latency_ms": round(call.latency_ms, 3), "cached": call.cached,
        }

    async def observe(self, record: CallRecord) -> None:
        self.log.append(self.entry(record))
