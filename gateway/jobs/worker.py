"""`mainbridge worker`: runs queued jobs from Redis (saq) through this process's own Runtime.

Start as many as needed with the gateway's configuration (`--config` or MAINBRIDGE_*,
including `jobs_redis_url`). Each job goes through `Runtime.call` like any call, reports
progress to the job, beats a heartbeat so a dead worker is noticed, and ends with
`{"result": ToolResult}` or `{"error": typed error}`; the optional webhook follows.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from contextlib import suppress
from typing import Any

import typer
from saq import Worker
from saq.types import Context, PartialTimersDict

from adapters.kit.progress import progress_sink
from gateway.jobs.redis_queue import FUNCTION, HEARTBEAT_S, queue_for
from gateway.jobs.service import caller_for, failure, status_url
from gateway.observability import Observability
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.webhooks import SECRET_NAME, WebhookSender

log = logging.getLogger("mainbridge.worker")
SWEEP_S = 1  # how often a worker looks for jobs whose worker died


class JobRunner:
    def __init__(self, settings: Settings) -> None:
        self.runtime = Runtime(settings)
        # Jobs run here are audited, counted and traced like calls in the gateway itself.
        self.observability = Observability(self.runtime)
        key = self.runtime.secrets.lookup(SECRET_NAME)
        self.webhooks = WebhookSender(key.get_secret_value().encode()) if key else None

    async def startup(self, ctx: Context) -> None:
        await self.runtime.start()

    async def shutdown(self, ctx: Context) -> None:
        await self.runtime.stop()
        self.observability.close()
        if self.webhooks:
            await self.webhooks.close()

    async def tool_job(self, ctx: Context, *, arguments: Any) -> dict[str, Any]:
        job = ctx["job"]
        assert job is not None
        meta = job.meta

        async def progress(fraction: float, message: str) -> None:
            await job.update(progress=fraction, meta={**meta, "message": message})

        async def heartbeat() -> None:
            while True:
                await asyncio.sleep(HEARTBEAT_S / 3)
                await job.update()

        beating = asyncio.create_task(heartbeat())
        token = progress_sink.set(progress)
        try:
            caller = caller_for(self.runtime.settings, meta["agent"], meta.get("on_behalf_of"),
                                meta.get("grants"))
            result = await self.runtime.call(caller, meta["tool"], arguments, meta["trace_id"])
            outcome: dict[str, Any] = {"result": result.model_dump(mode="json", by_alias=True)}
        except Exception as exc:  # noqa: BLE001 - every failure is the job's typed outcome
            outcome = {"error": failure(exc)}
        finally:
            progress_sink.reset(token)
            beating.cancel()
            with suppress(asyncio.CancelledError):
                await beating
        if meta.get("webhook_url") and self.webhooks:
            body = {"job_id": job.key, "tool": meta["tool"], "trace_id": meta["trace_id"],
                    "state": "succeeded" if "result" in outcome else "failed",
                    "status_url": status_url(job.key), **outcome}
            delivery = await self.webhooks.send(meta["webhook_url"], body)
            await job.update(meta={**meta, "webhook": delivery.record()})
        return outcome


async def serve(settings: Settings, concurrency: int) -> None:
    if not settings.jobs_redis_url:
        raise typer.BadParameter("set jobs_redis_url (MAINBRIDGE_JOBS_REDIS_URL) first")
    runner = JobRunner(settings)
    worker = Worker(queue_for(settings.jobs_redis_url), functions=[(FUNCTION, runner.tool_job)],
                    id=f"{socket.gethostname()}-{os.getpid()}",  # no ":": saq splits on it
                    concurrency=concurrency, startup=runner.startup, shutdown=runner.shutdown,
                    timers=PartialTimersDict(schedule=1, worker_info=10, sweep=SWEEP_S, abort=1))
    await worker.queue.connect()
    try:
        await worker.start()
    finally:
        await worker.queue.disconnect()
