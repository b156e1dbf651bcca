"""The HTTP edge: FastAPI routes of the public contract, over a Runtime."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from bridges.errors import BridgeError
from gateway.auth import Caller, request_caller
from gateway.errors import GatewayError, InvalidArguments, error_response
from gateway.interfaces import AgentInterfaces
from gateway.logs import request_id
from gateway.observability import Observability
from gateway.openapi import tool_paths
from gateway.runtime import Runtime
from gateway.tracing import from_traceparent, incoming

log = logging.getLogger("mainbridge.http")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def create_app(runtime: Runtime) -> FastAPI:
    observability = Observability(runtime)  # audit, metrics, traces; first, so all doors see it
    interfaces = AgentInterfaces(runtime)  # MCP, jobs, events

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            async with interfaces.run():
                yield
        finally:
            await runtime.stop()
            observability.close()

    app = FastAPI(title="mainbridge", version="0.1.0", lifespan=lifespan,
                  description="Legacy systems as permission-checked tools for AI agents.")
    app.state.runtime = runtime
    interfaces.mount(app)

    @app.middleware("http")
    async def request_context(request: Request,
                              call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        given = request.headers.get("x-request-id", "")
        parent, parent_trace = from_traceparent(request.headers)
        rid = given if _REQUEST_ID.match(given) else parent_trace or uuid.uuid4().hex
        token, trace_token = request_id.set(rid), incoming.set(parent)
        request.state.request_id = rid
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            request_id.reset(token)
            incoming.reset(trace_token)
        response.headers["X-Request-ID"] = rid
        log.info("request", extra={
            "request_id": rid, "method": request.method, "path": request.url.path,
            "status": response.status_code, "agent": getattr(request.state, "agent", None),
            "ms": round((time.perf_counter() - started) * 1000, 2)})
        return response

    @app.exception_handler(GatewayError)
    @app.exception_handler(BridgeError)
    async def mapped_error(request: Request, exc: Exception) -> JSONResponse:
        status, body, headers = error_response(exc)
        if status >= 500:
            log.warning("tool call failed: %s", body["error"]["message"],
                        extra={"error_type": body["error"]["type"], "status": status})
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        status, body, headers = error_response(exc)
        return JSONResponse(body, status_code=status, headers=headers)

    def caller_of(request: Request) -> Caller:
        return request_caller(runtime.auth, request)

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(observability.metrics.exposition(),
                        media_type=observability.metrics.content_type)

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "version": app.version, "demo": runtime.settings.demo,
                "tools": len(runtime.registry.all()),
                "systems": {n: b.protocol for n, b in runtime.bridges.items()}}

    @app.get("/tools")
    async def list_tools(request: Request) -> dict[str, Any]:
        caller = caller_of(request)
        return {"tools": [runtime.registry.openai_function(t)
                          for t in runtime.visible_tools(caller)]}

    @app.post("/tools/{name}")
    async def call_tool(name: str, request: Request) -> JSONResponse:
        caller = caller_of(request)
        raw = await request.body()
        try:
            arguments = json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise InvalidArguments("the body must be a JSON object of arguments") from None
        if (tool := interfaces.long_running(name)) is not None:
            return await interfaces.submit_job(caller, tool, arguments, request.state.request_id,
                                               request.headers.get("x-webhook-url"))
        result = await runtime.call(caller, name, arguments, request.state.request_id)
        return JSONResponse(result.model_dump(mode="json", by_alias=True))

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            schema["paths"].update(tool_paths(runtime.registry.all()))
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
