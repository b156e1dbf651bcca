"""What the contract suite covers: every tool of every adapter, found when tests are collected."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from pydantic import TypeAdapter

from adapters.kit import Contract, Tool
from gateway.registry import load_tools
from tests.support.servers import ServedApp

ToolClass = type[Tool[Any]]
TOOLS: list[ToolClass] = load_tools()
# A tool's own faults and timeouts need its own backend; a composite has none (its parts'
# failures are tested in tests/composite), so those cases are generated for direct tools only.
DIRECT = [t for t in TOOLS if not t.composite]
FINAL_JOB_STATES = {"succeeded", "failed", "cancelled"}


def each(tools: list[ToolClass]) -> list[Any]:
    """Parameters named after the tool: `test_happy[get_customer_info]`."""
    return [pytest.param(t, id=t.name) for t in tools]


def contract(tool: ToolClass) -> Contract:
    if tool.contract is None:
        pytest.fail(f"{tool.name} ({tool.__module__}) declares no contract")
    return tool.contract


def systems_of(tool: ToolClass) -> set[str]:
    """The systems one call of a direct tool reaches (a missing contract fails elsewhere, by
    name, without taking down the other tools of its system)."""
    return {tool.system, *(tool.contract.systems if tool.contract else ())}


def call(gateway: ServedApp, tool: ToolClass, arguments: Any) -> tuple[int, dict[str, Any]]:
    """POST the call as an admin; a job (202) is followed to its end and read as the direct
    call's status and body would have been."""
    with gateway.client("admin") as client:
        reply = client.post(f"/tools/{tool.name}", json=arguments)
        if reply.status_code != 202:
            return reply.status_code, reply.json()
        url = reply.json()["status_url"]
        deadline = time.monotonic() + 60  # only stops a hung test
        while (job := client.get(url).json())["state"] not in FINAL_JOB_STATES:
            assert time.monotonic() < deadline, f"job never ended: {job}"
            time.sleep(0.02)
    if job["state"] == "succeeded":
        return 200, job["result"]
    error = dict(job["error"])
    return error.pop("status"), {"error": error}


def check_result(tool: ToolClass, status: int, body: dict[str, Any]) -> None:
    """A 200 ToolResult of this tool whose data is its declared canonical model."""
    assert status == 200, body
    assert (body["tool"], body["schema"]) == (tool.name, tool.returns)
    model = tool.return_model()
    if tool.many:
        assert isinstance(body["data"], list) and body["data"], \
            "the happy call must return items, or their schema goes unchecked"
        TypeAdapter(list[model]).validate_json(json.dumps(body["data"]))  # type: ignore[valid-type]
    else:
        model.model_validate_json(json.dumps(body["data"]))


def check_error(body: dict[str, Any], type_name: str | None = None,
                retriable: bool | None = None) -> dict[str, Any]:
    """The contract's error body: {"error": {"type", "message", "retriable", ...}}."""
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert isinstance(error.get("type"), str) and isinstance(error.get("message"), str), error
    assert isinstance(error.get("retriable"), bool), error
    if type_name is not None:
        assert error["type"] == type_name, error
    if retriable is not None:
        assert error["retriable"] is retriable, error
    return error
