"""The job store: one SQLite table of jobs (a file under the state folder, else memory).

A job moves queued -> running -> succeeded | failed | cancelled. The row is the truth: the
runner claims a queued job by updating its state, so a job is never run twice, and a job
found `running` when the gateway starts was interrupted by a crash and is settled then.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from gateway.sqlite_store import open_store


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINAL = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})

_SCHEMA = """CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, agent TEXT NOT NULL, on_behalf_of TEXT,
    tool TEXT NOT NULL, arguments TEXT NOT NULL, trace_id TEXT NOT NULL,
    state TEXT NOT NULL, progress REAL NOT NULL DEFAULT 0, message TEXT NOT NULL DEFAULT '',
    result TEXT, error TEXT, webhook_url TEXT, webhook TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, grants TEXT)"""
# Columns added after the first release, for stores created before them.
_ADDED_COLUMNS = {"grants": "TEXT"}


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class Job:
    id: str
    agent: str
    on_behalf_of: str | None
    tool: str
    arguments: dict[str, Any]
    trace_id: str
    state: JobState
    progress: float
    message: str
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    webhook_url: str | None
    webhook: dict[str, Any] | None  # the delivery record: attempts, last status
    grants: dict[str, Any] | None  # the caller's roles and attributes at submission
    created_at: str
    updated_at: str
    runner: str | None = None  # the worker process that took it (Redis queue only)

    def public(self, status_url: str) -> dict[str, Any]:
        """What the owner sees at GET /jobs/{id}."""
        body: dict[str, Any] = {
            "job_id": self.id, "tool": self.tool, "state": self.state.value,
            "progress": self.progress, "message": self.message, "status_url": status_url,
            "created_at": self.created_at, "updated_at": self.updated_at,
            "trace_id": self.trace_id}
        if self.result is not None:
            body["result"] = self.result
        if self.error is not None:
            body["error"] = self.error
        if self.webhook is not None:
            body["webhook"] = self.webhook
        if self.runner is not None:
            body["runner"] = self.runner
        return body


def _job(row: sqlite3.Row) -> Job:
    def loads(value: str | None) -> Any:
        return json.loads(value) if value is not None else None

    return Job(id=row["id"], agent=row["agent"], on_behalf_of=row["on_behalf_of"],
               tool=row["tool"], arguments=json.loads(row["arguments"]),
               trace_id=row["trace_id"], state=JobState(row["state"]),
               progress=row["progress"], message=row["message"], result=loads(row["result"]),
               error=loads(row["error"]), webhook_url=row["webhook_url"],
               webhook=loads(row["webhook"]), grants=loads(row["grants"]),
               created_at=row["created_at"], updated_at=row["updated_at"])


class JobStore:
    def __init__(self, path: Path | None = None) -> None:
        self._db = open_store(path, _SCHEMA, {"jobs": _ADDED_COLUMNS})
        self._lock = threading.Lock()

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    async def _arun(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return await asyncio.to_thread(self._run, sql, args)

    async def create(self, agent: str, on_behalf_of: str | None, tool: str,
                     arguments: dict[str, Any], trace_id: str, webhook_url: str | None,
                     grants: dict[str, Any]) -> Job:
        job_id, now = uuid.uuid4().hex, _now()
        await self._arun(
            "INSERT INTO jobs (id, seq, agent, on_behalf_of, tool, arguments, trace_id, state, "
            "webhook_url, created_at, updated_at, grants) VALUES "
            "(?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (job_id, agent, on_behalf_of, tool, json.dumps(arguments), trace_id,
             JobState.QUEUED.value, webhook_url, now, now, json.dumps(grants)))
        job = await self.get(job_id)
        assert job is not None
        return job

    async def get(self, job_id: str) -> Job | None:
        rows = await self._arun("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return _job(rows[0]) if rows else None

    async def claim_next(self) -> Job | None:
        """The oldest queued job, now marked running (atomically: one runner gets it)."""
        rows = await self._arun(
            "UPDATE jobs SET state = ?, updated_at = ? WHERE id = (SELECT id FROM jobs "
            "WHERE state = ? ORDER BY seq LIMIT 1) AND state = ? RETURNING *",
            (JobState.RUNNING.value, _now(), JobState.QUEUED.value, JobState.QUEUED.value))
        return _job(rows[0]) if rows else None

    async def progress(self, job_id: str, fraction: float, message: str) -> None:
        await self._arun("UPDATE jobs SET progress = ?, message = ?, updated_at = ? "
                         "WHERE id = ? AND state = ?",
                         (fraction, message, _now(), job_id, JobState.RUNNING.value))

    async def finish(self, job_id: str, state: JobState, *, result: dict[str, Any] | None = None,
                     error: dict[str, Any] | None = None, message: str = "") -> Job | None:
        """Settle a job unless it is settled already (a cancel wins over a late result)."""
        progress = "1.0" if state is JobState.SUCCEEDED else "progress"
        rows = await self._arun(
            f"UPDATE jobs SET state = ?, result = ?, error = ?, message = ?, "  # noqa: S608
            f"progress = {progress}, updated_at = ? WHERE id = ? AND state IN (?, ?) "
            "RETURNING *",
            (state.value, json.dumps(result) if result is not None else None,
             json.dumps(error) if error is not None else None, message, _now(), job_id,
             JobState.QUEUED.value, JobState.RUNNING.value))
        return _job(rows[0]) if rows else None

    async def record_webhook(self, job_id: str, delivery: dict[str, Any]) -> None:
        await self._arun("UPDATE jobs SET webhook = ? WHERE id = ?",
                         (json.dumps(delivery), job_id))

    async def interrupted(self) -> list[Job]:
        """Jobs left `running` by a gateway that stopped without settling them."""
        rows = await self._arun("SELECT * FROM jobs WHERE state = ?", (JobState.RUNNING.value,))
        return [_job(r) for r in rows]

    async def requeue(self, job_id: str, message: str) -> None:
        await self._arun("UPDATE jobs SET state = ?, message = ?, progress = 0, updated_at = ? "
                         "WHERE id = ? AND state = ?",
                         (JobState.QUEUED.value, message, _now(), job_id,
                          JobState.RUNNING.value))

    def close(self) -> None:
        with self._lock:
            self._db.close()
