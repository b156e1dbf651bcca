"""The agent-facing doors beside POST /tools: MCP at /mcp, jobs at /jobs, events at /events.

`create_app` builds one AgentInterfaces, mounts its routes and runs it inside its lifespan
(workers, pollers, the MCP session manager start after the runtime and stop before it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.routing import Route

from adapters.kit import Tool
from gateway.auth import Caller
from gateway.events.routes import event_routes
from gateway.events.service import EventService
from gateway.jobs import JobService
from gateway.jobs.routes import job_routes
from gateway.jobs.service import JobDoors
from gateway.mcp import McpDoor
from gateway.runtime import Runtime
from gateway.webhooks import SECRET_NAME, WebhookSender


class AgentInterfaces:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        key = runtime.secrets.lookup(SECRET_NAME)
        self.webhooks = WebhookSender(key.get_secret_value().encode()) if key else None
        self.jobs: JobDoors
        if runtime.settings.jobs_redis_url:
            from gateway.jobs.redis_queue import RedisJobs  # saq loads only when configured

            self.jobs = RedisJobs(runtime, runtime.settings.jobs_redis_url, bool(self.webhooks))
        else:
            self.jobs = JobService(runtime, self.webhooks)
        self.events = EventService(runtime, self.webhooks)
        self.mcp = McpDoor(runtime, self.jobs)

    def mount(self, app: FastAPI) -> None:
        app.include_router(job_routes(self.jobs))
        app.include_router(event_routes(self.events))
        app.router.routes.append(Route("/mcp", self.mcp, methods=["GET", "POST", "DELETE"],
                                       include_in_schema=False))

    @asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if self.webhooks is not None:
                stack.push_async_callback(self.webhooks.close)
            await stack.enter_async_context(self.jobs.run())
            await stack.enter_async_context(self.events.run())
            await stack.enter_async_context(self.mcp.run())
            yield

    def long_running(self, name: str) -> Tool[Any] | None:
        tool = self.runtime.registry.get(name)
        return tool if tool is not None and tool.long_running else None

    async def submit_job(self, caller: Caller, tool: Tool[Any], arguments: Any, trace_id: str,
                         webhook_url: str | None) -> JSONResponse:
        """202 Accepted + the job ticket, with the status URL in Location as well."""
        ticket = await self.jobs.submit(caller, tool, arguments, trace_id, webhook_url)
        return JSONResponse(ticket, status_code=202, headers={"Location": ticket["status_url"]})
