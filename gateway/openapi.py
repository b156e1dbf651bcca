"""One OpenAPI path per tool, so a generic client sees every tool's typed arguments."""

from __future__ import annotations

from typing import Any

from adapters.kit import Tool
from canonical import registry

ERROR_STATUSES = {"401": "No or bad credentials", "403": "Not allowed",
                  "404": "Unknown tool or object not found", "422": "Invalid arguments",
                  "429": "Rate limited", "502": "Legacy system fault or garbage",
                  "503": "Legacy system unavailable", "504": "Legacy system timeout"}


def tool_paths(tools: list[Tool[Any]]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for tool in tools:
        data = registry.json_schema(tool.returns)
        if tool.many:
            data = {"type": "array", "items": data}
        if tool.long_running:
            answer = {"202": {
                "description": f"Accepted as a job; GET its status URL for the {tool.returns}",
                "content": {"application/json": {"schema": {
                    "type": "object", "required": ["job_id", "state", "status_url"],
                    "properties": {"job_id": {"type": "string"}, "state": {"type": "string"},
                                   "status_url": {"type": "string"}}}}}}}
        else:
            answer = {"200": {
                "description": f"ToolResult carrying {tool.returns}",
                "content": {"application/json": {"schema": {
                    "type": "object", "required": ["tool", "schema", "data", "source"],
                    "properties": {"tool": {"const": tool.name},
                                   "schema": {"const": tool.returns}, "data": data}}}}}}
        responses: dict[str, Any] = dict(answer)
        responses.update({code: {"description": text} for code, text in ERROR_STATUSES.items()})
        paths[f"/tools/{tool.name}"] = {"post": {
            "operationId": tool.name, "summary": tool.description, "tags": [tool.system],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": tool.parameters_schema()}}},
            "responses": responses}}
    return paths
