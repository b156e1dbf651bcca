"""/mcp: the same tools over the Model Context Protocol (official SDK, streamable HTTP).

Not a second door: every request is authenticated with the same Bearer key as HTTP,
`tools/list` shows only `runtime.visible_tools(caller)`, and `tools/call` goes through
`Runtime.call` (policy, validation, limits, cache, audit, metrics) exactly like
`POST /tools/{name}`; long-running tools become jobs exactly as there.

Structured output is the whole ToolResult envelope, not only its `data`: the envelope is a
JSON object on every MCP protocol version (a `many` tool's bare list is not, before
2026-07-28), and it carries what an agent must always see (source, freshness, warnings,
partial errors). `outputSchema` is therefore the envelope with `data` typed by the tool's
canonical JSON Schema, so the SDK's client validates every result against the canonical model.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from adapters.kit import Tool
from bridges.errors import BridgeError
from canonical import registry as canonical_registry
from gateway.auth import Caller
from gateway.envelope import ToolResult
from gateway.errors import GatewayError, error_response
from gateway.jobs.service import JobDoors, job_ticket_schema
from gateway.runtime import Runtime

_ENVELOPE = ToolResult.model_json_schema(by_alias=True)


def output_schema(tool: Tool[Any]) -> dict[str, Any]:
    """The ToolResult JSON Schema with `data` typed by the tool's canonical model."""
    if tool.long_running:
        return job_ticket_schema()
    canonical = canonical_registry.json_schema(tool.returns)
    defs = {**_ENVELOPE.get("$defs", {}), **canonical.pop("$defs", {})}
    # Embedded, its $id would start a new base URI and its #/$defs refs would point nowhere.
    canonical["$comment"] = canonical.pop("$id", tool.returns)
    data = {"type": "array", "items": canonical} if tool.many else canonical
    schema = json.loads(json.dumps(_ENVELOPE))  # a deep copy: the module value stays pristine
    schema["properties"]["data"] = {**data, "description": f"{tool.returns} "
                                    f"{'list' if tool.many else 'object'}"}
    schema["$defs"] = defs
    return schema


def mcp_tool(tool: Tool[Any]) -> types.Tool:
    return types.Tool(name=tool.name, description=tool.description,
                      input_schema=tool.parameters_schema(), output_schema=output_schema(tool))


def error_result(exc: Exception) -> types.CallToolResult:
    """A tool error the agent can read and act on (same body as the HTTP error answer)."""
    status, body, _ = error_response(exc)
    body["error"]["status"] = status
    return types.CallToolResult(content=[types.TextContent(text=json.dumps(body))],
                                is_error=True)


class McpDoor:
    """The MCP server over one Runtime; an ASGI app to mount at /mcp, run in the lifespan."""

    def __init__(self, runtime: Runtime, jobs: JobDoors) -> None:
        self.runtime = runtime
        self.jobs = jobs
        self.server: Server[Any] = Server("mainbridge", version="0.1.0",
                                          on_list_tools=self.list_tools,
                                          on_call_tool=self.call_tool)
        # Stateless JSON answers: every HTTP request carries and proves its own credentials,
        # no session state is shared between agents, and replicas need no sticky sessions.
        self.manager = StreamableHTTPSessionManager(self.server, stateless=True,
                                                    json_response=True)

    @asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        async with self.manager.run():
            yield

    def caller(self, request: Request | None) -> Caller:
        headers = request.headers if request is not None else {}
        return self.runtime.auth.authenticate(headers.get("authorization"),
                                              headers.get("x-on-behalf-of"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a bad credential at the HTTP layer (401) before any MCP parsing."""
        request = Request(scope, receive)
        try:
            request.state.agent = self.caller(request).agent
        except GatewayError as exc:
            status, body, headers = error_response(exc)
            await JSONResponse(body, status_code=status, headers=headers)(scope, receive, send)
            return
        await self.manager.handle_request(scope, receive, send)

    async def list_tools(self, ctx: ServerRequestContext[Any],
                         params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        caller = self.caller(ctx.request)
        return types.ListToolsResult(tools=[mcp_tool(t)
                                            for t in self.runtime.visible_tools(caller)])

    async def call_tool(self, ctx: ServerRequestContext[Any],
                        params: types.CallToolRequestParams) -> types.CallToolResult:
        request: Request | None = ctx.request
        caller = self.caller(request)
        trace_id = getattr(request.state, "request_id", None) if request else None
        trace_id = trace_id or uuid.uuid4().hex
        arguments = params.arguments or {}
        try:
            tool = self.runtime.registry.get(params.name)
            if tool is not None and tool.long_running:
                ticket = await self.jobs.submit(caller, tool, arguments, trace_id)
                return types.CallToolResult(
                    content=[types.TextContent(text=json.dumps(ticket))],
                    structured_content=ticket)
            result = await self.runtime.call(caller, params.name, arguments, trace_id)
        except (GatewayError, BridgeError) as exc:
            return error_result(exc)
        dumped = result.model_dump(mode="json", by_alias=True)
        return types.CallToolResult(content=[types.TextContent(text=json.dumps(dumped))],
                                    structured_content=dumped)
