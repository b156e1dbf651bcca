"""Contract: each tool's happy call and its not-found call, through a real gateway."""

from __future__ import annotations

import pytest

from tests.contract.cases import TOOLS, ToolClass, call, check_error, check_result, contract, each
from tests.support.servers import ServedApp

NOT_FOUND = [t for t in TOOLS if t.contract is not None and t.contract.not_found is not None]


@pytest.mark.parametrize("tool", each(TOOLS))
def test_happy(tool: ToolClass, live_gateway: ServedApp) -> None:
    status, body = call(live_gateway, tool, dict(contract(tool).happy))
    check_result(tool, status, body)
    assert body["source"]["system"] == tool.system


@pytest.mark.parametrize("tool", each(NOT_FOUND))
def test_not_found(tool: ToolClass, live_gateway: ServedApp) -> None:
    status, body = call(live_gateway, tool, dict(contract(tool).not_found or {}))
    assert status == 404, body
    check_error(body, "not_found", retriable=False)
