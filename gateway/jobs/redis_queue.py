"""Jobs on a Redis queue (saq) when `jobs_redis_url` is set: the gateway only enqueues.

`mainbridge worker` processes (as many as wanted, on any host) take the jobs and run them
through their own Runtime. saq keeps each job in Redis: its status and progress, and in
`meta` what the doors need (owner, tool, message, the typed outcome). A worker that dies
mid-job stops its heartbeat; another worker's sweep then retries the job if its tool is
safe to repeat, else ends it, and the door reports it failed as `interrupted`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from saq import Queue
from saq.job import Job as SaqJob
from saq.job import Status
from saq.queue.redis import RedisQueue

from adapters.kit import Tool
from bridges.errors import ConfigError
from gateway.auth import Caller
from gateway.jobs.service import NotYourJob, grants_of, may_see, precheck, status_url
from gateway.jobs.store import Job, JobState
from gateway.runtime import Runtime

QUEUE_NAME = "mainbridge-jobs"
FUNCTION = "tool_job"
HEARTBEAT_S = 5  # a job not touched for this long belongs to a dead worker
CANCELLED = "cancelled by "
CANCEL_KEY = "mainbridge:job-cancelled:"
CANCEL_KEEP_S = 7 * 86400
INTERRUPTED = {"type": "interrupted", "retriable": False, "message":
               "the worker running this job stopped; it may or may not have taken effect "
               "(the tool is not safe to repeat): check before submitting it again"}


def queue_for(url: str) -> RedisQueue:
    queue = Queue.from_url(url, name=QUEUE_NAME)
    if not isinstance(queue, RedisQueue):
        raise ConfigError(f"jobs_redis_url must be a redis:// URL, got {url!r}")
    return queue


def _iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat() if epoch_ms else ""


def as_job(saq: SaqJob, cancelled_by: str | None = None) -> Job:
    """Our view of a saq job: the same record the local runner keeps.

    `cancelled_by` is read from a key of our own: saq's abort marker lives in fields that the
    worker's heartbeat and the sweeper may rewrite while the abort is under way.
    """
    meta, outcome = saq.meta, saq.result if isinstance(saq.result, dict) else {}
    state = {Status.NEW: JobState.QUEUED, Status.QUEUED: JobState.QUEUED,
             Status.ACTIVE: JobState.RUNNING, Status.ABORTING: JobState.RUNNING,
             Status.COMPLETE: JobState.FAILED if "error" in outcome else JobState.SUCCEEDED,
             Status.FAILED: JobState.FAILED, Status.ABORTED: JobState.FAILED}[saq.status]
    error = outcome.get("error")
    if cancelled_by and state is not JobState.SUCCEEDED:
        state, error = JobState.CANCELLED, None
    elif saq.status is Status.ABORTED:
        error = INTERRUPTED  # swept after its worker died
    elif saq.status is Status.FAILED:  # tool errors complete with "error": this is a bug
        error = {"type": "internal_error", "retriable": False,
                 "message": "the worker failed; see its log"}
    return Job(id=saq.key, agent=meta["agent"], on_behalf_of=meta.get("on_behalf_of"),
               tool=meta["tool"], arguments=saq.kwargs.get("arguments", {}) if saq.kwargs
               else {}, trace_id=meta["trace_id"], state=state,
               progress=1.0 if state is JobState.SUCCEEDED else saq.progress,
               message=f"{CANCELLED}{cancelled_by}" if state is JobState.CANCELLED
               else meta.get("message", ""),
               result=outcome.get("result"), error=error,
               webhook_url=meta.get("webhook_url"), webhook=meta.get("webhook"),
               grants=meta.get("grants"), created_at=_iso(saq.queued),
               updated_at=_iso(saq.touched), runner=saq.worker_id)


class RedisJobs:
    def __init__(self, runtime: Runtime, url: str, webhooks: bool) -> None:
        self.runtime = runtime
        self.queue = queue_for(url)
        self.webhooks = webhooks

    @asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        await self.queue.connect()
        try:
            yield
        finally:
            await self.queue.disconnect()

    async def submit(self, caller: Caller, tool: Tool[Any], arguments: Any, trace_id: str,
                     webhook_url: str | None = None) -> dict[str, Any]:
        await precheck(self.runtime, caller, tool, arguments, trace_id, webhook_url,
                       self.webhooks)
        job = await self.queue.enqueue(
            FUNCTION, arguments=arguments, timeout=int(tool.timeout_s) + 60,
            heartbeat=HEARTBEAT_S, retries=2 if tool.idempotent else 1, ttl=0,
            meta={"agent": caller.agent, "on_behalf_of": caller.on_behalf_of,
                  "tool": tool.name, "trace_id": trace_id, "grants": grants_of(caller),
                  "webhook_url": webhook_url, "message": "", "enqueued_at": time.time()})
        assert job is not None  # a fresh key is never a duplicate
        return {"job_id": job.key, "tool": tool.name, "state": JobState.QUEUED.value,
                "status_url": status_url(job.key)}

    async def fetch(self, caller: Caller, job_id: str) -> SaqJob:
        found = await self.queue.job(job_id)
        if found is None or not may_see(caller, found.meta.get("agent", "")):
            raise NotYourJob(f"no job {job_id!r}")
        return found

    async def cancelled_by(self, job_id: str) -> str | None:
        raw = await self.queue.redis.get(CANCEL_KEY + job_id)
        return raw.decode() if isinstance(raw, bytes) else raw

    async def visible(self, caller: Caller, job_id: str) -> Job:
        return as_job(await self.fetch(caller, job_id), await self.cancelled_by(job_id))

    async def cancel(self, caller: Caller, job_id: str) -> Job:
        found = await self.fetch(caller, job_id)
        if found.status not in (Status.COMPLETE, Status.FAILED, Status.ABORTED):
            await self.queue.redis.set(CANCEL_KEY + job_id, caller.agent, ex=CANCEL_KEEP_S)
            await self.queue.abort(found, error=f"{CANCELLED}{caller.agent}")
            await found.refresh()
        return as_job(found, await self.cancelled_by(job_id))
