"""Long-running tool calls as jobs: submit (202), run in the background, look up, cancel.

Every job runs through `Runtime.call`, so it meets the same policy, validation, limits and
audit as a direct call. A submission is checked up front (403/422 answer at once, not later
as a failed job). When the job runs, an API-key agent is rebuilt from the configured agents,
so one removed meanwhile cannot run what it queued; a token (JWT) caller, which no
configuration lists, runs with the roles its token granted at submission.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any
from urllib.parse import urlsplit

from adapters.kit import Tool
from adapters.kit.progress import progress_sink
from gateway.auth import Caller
from gateway.errors import (
    GatewayError,
    InvalidArguments,
    Unauthenticated,
    UnknownTool,
    error_response,
)
from gateway.jobs.store import Job, JobState, JobStore
from gateway.runtime import Runtime
from gateway.webhooks import SECRET_NAME, WebhookSender

log = logging.getLogger("mainbridge.jobs")
ADMIN_ROLE = "admin"


def job_ticket_schema() -> dict[str, Any]:
    """What a long-running tool answers at once (HTTP 202 body, MCP structured output)."""
    return {"type": "object", "required": ["job_id", "state", "status_url"],
            "properties": {"job_id": {"type": "string"}, "tool": {"type": "string"},
                           "state": {"type": "string", "enum": [s.value for s in JobState]},
                           "status_url": {"type": "string"}}}


def status_url(job_id: str) -> str:
    return f"/jobs/{job_id}"


class NotYourJob(UnknownTool):
    """404, not 403: another agent's job id must not even be confirmed to exist."""

    type_name = "job_not_found"


class JobService:
    def __init__(self, runtime: Runtime, webhooks: WebhookSender | None,
                 workers: int = 2) -> None:
        self.runtime = runtime
        settings = runtime.settings
        self.store = JobStore(settings.state_dir / "jobs.sqlite3" if settings.state_dir
                              else None)
        self.workers = workers
        self.wakeup = asyncio.Event()
        self.running: dict[str, asyncio.Task[None]] = {}
        self.cancelled: set[str] = set()  # running jobs stopped by DELETE, not by shutdown
        self.webhooks = webhooks

    # -- doors -----------------------------------------------------------------------------

    async def submit(self, caller: Caller, tool: Tool[Any], arguments: Any, trace_id: str,
                     webhook_url: str | None = None) -> dict[str, Any]:
        try:
            self.runtime.resolve(caller, tool.name)
            self.runtime.parse_arguments(tool, arguments)
        except GatewayError:
            # Let the one pipeline refuse it, so the refusal is observed (audited) like any.
            await self.runtime.call(caller, tool.name, arguments, trace_id)
            raise
        if webhook_url is not None:
            if self.webhooks is None:
                raise GatewayError(f"webhooks need the secret {SECRET_NAME!r} configured")
            if urlsplit(webhook_url).scheme not in ("http", "https"):
                raise InvalidArguments("X-Webhook-URL must be an http(s) URL")
        job = await self.store.create(
            caller.agent, caller.on_behalf_of, tool.name, arguments, trace_id, webhook_url,
            {"roles": sorted(caller.roles), "attributes": caller.attributes})
        self.wakeup.set()
        return {"job_id": job.id, "tool": job.tool, "state": job.state.value,
                "status_url": status_url(job.id)}

    async def visible(self, caller: Caller, job_id: str) -> Job:
        job = await self.store.get(job_id)
        if job is None or (job.agent != caller.agent and ADMIN_ROLE not in caller.roles):
            raise NotYourJob(f"no job {job_id!r}")
        return job

    async def cancel(self, caller: Caller, job_id: str) -> Job:
        job = await self.visible(caller, job_id)
        settled = await self.store.finish(job.id, JobState.CANCELLED,
                                          message=f"cancelled by {caller.agent}")
        task = self.running.get(job.id)
        if task is not None and settled is not None:
            self.cancelled.add(job.id)
            task.cancel()
        return settled or job  # already final: cancelling is a no-op, the answer says so

    # -- background ------------------------------------------------------------------------

    @asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        await self.recover()
        loops = [asyncio.create_task(self.worker(), name=f"job-worker-{i}")
                 for i in range(self.workers)]
        try:
            yield
        finally:
            for task in [*loops, *self.running.values()]:
                task.cancel()
            for task in loops:
                with suppress(asyncio.CancelledError):
                    await task
            self.store.close()

    async def recover(self) -> None:
        """Jobs a crash left running: resumed when safe to repeat, else failed, never lost."""
        for job in await self.store.interrupted():
            tool = self.runtime.registry.get(job.tool)
            if tool is not None and tool.idempotent:
                await self.store.requeue(job.id, "resumed after a gateway restart")
                continue
            await self.settle(job, JobState.FAILED, error={
                "type": "interrupted", "retriable": False, "message":
                "the gateway stopped while this job ran; it may or may not have taken effect "
                "(the tool is not safe to repeat): check before submitting it again"})

    async def worker(self) -> None:
        while True:
            job = await self.store.claim_next()
            if job is None:
                self.wakeup.clear()
                await self.wakeup.wait()
                continue
            task = asyncio.create_task(self.execute(job))
            self.running[job.id] = task
            try:
                await task  # a shutdown cancels both; the job stays `running` for recover()
            finally:
                self.running.pop(job.id, None)
                self.cancelled.discard(job.id)

    def caller_of(self, job: Job) -> Caller:
        agent = self.runtime.settings.agents.get(job.agent)
        if agent is not None:
            return Caller(agent=job.agent, roles=frozenset(agent.roles),
                          attributes=dict(agent.attributes), on_behalf_of=job.on_behalf_of)
        if not job.grants or self.runtime.settings.jwt is None:
            raise Unauthenticated(f"agent {job.agent!r} is no longer configured")
        return Caller(agent=job.agent, roles=frozenset(job.grants["roles"]),
                      attributes=dict(job.grants["attributes"]), on_behalf_of=job.on_behalf_of)

    async def execute(self, job: Job) -> None:
        async def progress(fraction: float, message: str) -> None:
            await self.store.progress(job.id, fraction, message)

        token = progress_sink.set(progress)
        try:
            result = await self.runtime.call(self.caller_of(job), job.tool, job.arguments,
                                             job.trace_id)
        except asyncio.CancelledError:
            if job.id in self.cancelled:
                return  # DELETE /jobs/{id} settled it already
            raise
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job
            status, body, _ = error_response(exc)
            if status >= 500:
                log.warning("job %s (%s) failed: %s", job.id, job.tool, body["error"]["message"])
            await self.settle(job, JobState.FAILED, error={**body["error"], "status": status})
        else:
            await self.settle(job, JobState.SUCCEEDED,
                              result=result.model_dump(mode="json", by_alias=True))
        finally:
            progress_sink.reset(token)

    async def settle(self, job: Job, state: JobState, *, result: dict[str, Any] | None = None,
                     error: dict[str, Any] | None = None) -> None:
        settled = await self.store.finish(job.id, state, result=result, error=error)
        if settled is not None and settled.webhook_url and self.webhooks:
            delivery = await self.webhooks.send(settled.webhook_url,
                                                settled.public(status_url(job.id)))
            await self.store.record_webhook(job.id, delivery.record())
