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
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import Any, Protocol

from adapters.kit import Tool
from adapters.kit.progress import progress_sink
from gateway.auth import Caller
from gateway.errors import (
    GatewayError,
    Unauthenticated,
    UnknownTool,
    error_response,
)
from gateway.jobs.store import Job, JobState, JobStore
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.webhooks import SECRET_NAME, WebhookSender, check_url

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


def may_see(caller: Caller, owner: str) -> bool:
    return owner == caller.agent or ADMIN_ROLE in caller.roles


def grants_of(caller: Caller) -> dict[str, Any]:
    return {"roles": sorted(caller.roles), "attributes": caller.attributes}


async def precheck(runtime: Runtime, caller: Caller, tool: Tool[Any], arguments: Any,
                   trace_id: str, webhook_url: str | None, webhooks: bool) -> None:
    """Refuse at once (403/422) what would only fail later as a job."""
    try:
        runtime.resolve(caller, tool.name)
        runtime.parse_arguments(tool, arguments)
    except GatewayError:
        # Let the one pipeline refuse it, so the refusal is observed (audited) like any.
        await runtime.call(caller, tool.name, arguments, trace_id)
        raise
    if webhook_url is not None:
        if not webhooks:
            raise GatewayError(f"webhooks need the secret {SECRET_NAME!r} configured")
        check_url(webhook_url, runtime.settings.webhook_hosts)


def caller_for(settings: Settings, agent: str, on_behalf_of: str | None,
               grants: dict[str, Any] | None) -> Caller:
    """The job's caller when it runs (see the module docstring)."""
    config = settings.agents.get(agent)
    if config is not None:
        return Caller(agent=agent, roles=frozenset(config.roles),
                      attributes=dict(config.attributes), on_behalf_of=on_behalf_of)
    if not grants or settings.jwt is None:
        raise Unauthenticated(f"agent {agent!r} is no longer configured")
    return Caller(agent=agent, roles=frozenset(grants["roles"]),
                  attributes=dict(grants["attributes"]), on_behalf_of=on_behalf_of)


def failure(exc: Exception) -> dict[str, Any]:
    """A job's typed error: the HTTP error body plus the status a direct call would get."""
    status, body, _ = error_response(exc)
    if status >= 500:
        log.warning("job failed: %s", body["error"]["message"])
    return {**body["error"], "status": status}


class JobDoors(Protocol):
    """What the HTTP, MCP and /jobs doors use: the local runner or the Redis queue."""

    runtime: Runtime

    async def submit(self, caller: Caller, tool: Tool[Any], arguments: Any, trace_id: str,
                     webhook_url: str | None = None) -> dict[str, Any]: ...

    async def visible(self, caller: Caller, job_id: str) -> Job: ...

    async def cancel(self, caller: Caller, job_id: str) -> Job: ...

    def run(self) -> AbstractAsyncContextManager[None]: ...


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
        await precheck(self.runtime, caller, tool, arguments, trace_id, webhook_url,
                       self.webhooks is not None)
        job = await self.store.create(caller.agent, caller.on_behalf_of, tool.name, arguments,
                                      trace_id, webhook_url, grants_of(caller))
        self.wakeup.set()
        return {"job_id": job.id, "tool": job.tool, "state": job.state.value,
                "status_url": status_url(job.id)}

    async def visible(self, caller: Caller, job_id: str) -> Job:
        job = await self.store.get(job_id)
        if job is None or not may_see(caller, job.agent):
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

    async def execute(self, job: Job) -> None:
        async def progress(fraction: float, message: str) -> None:
            await self.store.progress(job.id, fraction, message)

        token = progress_sink.set(progress)
        try:
            caller = caller_for(self.runtime.settings, job.agent, job.on_behalf_of, job.grants)
            result = await self.runtime.call(caller, job.tool, job.arguments, job.trace_id)
        except asyncio.CancelledError:
            if job.id in self.cancelled:
                return  # DELETE /jobs/{id} settled it already
            raise
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job
            await self.settle(job, JobState.FAILED, error=failure(exc))
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
