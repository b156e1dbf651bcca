"""MCP door: the SDK's client over real HTTP sees the same tools, schemas, results, refusals."""

from __future__ import annotations

import json

import httpx
import pytest

from canonical import registry
from tests.agents.conftest import McpConnect
from tests.support.servers import ServedApp


async def test_tools_list_is_what_the_caller_may_call_with_the_same_schemas(
        gateway: ServedApp, mcp_client: McpConnect) -> None:
    with gateway.client("sales") as http:
        openai = {t["function"]["name"]: t["function"] for t in http.get("/tools").json()["tools"]}
    async with mcp_client("sales") as client:
        listed = {t.name: t for t in (await client.list_tools()).tools}
    assert set(listed) == set(openai) == {"list_products", "get_product_price"}
    for name, tool in listed.items():
        assert tool.input_schema == openai[name]["parameters"]
        assert tool.description == openai[name]["description"]
    price = listed["get_product_price"].output_schema
    assert price is not None
    data = price["properties"]["data"]
    assert data["properties"] == registry.json_schema("price@1")["properties"]
    assert listed["list_products"].output_schema["properties"]["data"]["type"] == "array"


async def test_call_returns_the_tool_result_validated_against_the_canonical_schema(
        gateway: ServedApp, mcp_client: McpConnect) -> None:
    async with mcp_client("support") as client:
        # The SDK client validates structured content against outputSchema itself.
        result = await client.call_tool("get_recent_transactions",
                                        {"account_id": "1000000001", "limit": 3})
    assert not result.is_error
    envelope = result.structured_content
    assert envelope["schema"] == "transaction@1"
    assert envelope["source"]["system"] == "bankdb"
    assert len(envelope["data"]) == 3
    with gateway.client("support") as http:
        direct = http.post("/tools/get_recent_transactions",
                           json={"account_id": "1000000001", "limit": 3}).json()
    assert envelope["data"] == direct["data"]
    assert json.loads(result.content[0].text)["data"] == envelope["data"]


async def test_policy_and_validation_refuse_as_over_http(mcp_client: McpConnect) -> None:
    async with mcp_client("sales") as client:
        denied = await client.call_tool("get_recent_transactions", {"account_id": "1000000001"})
        invalid = await client.call_tool("get_product_price", {"product_code": ""})
        unknown = await client.call_tool("no_such_tool", {})
    assert denied.is_error and json.loads(denied.content[0].text)["error"]["status"] == 403
    body = json.loads(invalid.content[0].text)["error"]
    assert body["status"] == 422 and body["fields"][0]["field"] == "product_code"
    assert json.loads(unknown.content[0].text)["error"]["status"] == 404


async def test_business_not_found_is_a_tool_error(mcp_client: McpConnect) -> None:
    async with mcp_client("sales") as client:
        result = await client.call_tool("get_product_price", {"product_code": "NOPE"})
    assert result.is_error
    assert json.loads(result.content[0].text)["error"]["type"] == "not_found"


@pytest.mark.parametrize("key", [None, "not-a-key"])
def test_no_or_bad_key_is_refused_before_mcp(gateway: ServedApp, key: str | None) -> None:
    headers = {"Accept": "application/json, text/event-stream"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    response = httpx.post(f"{gateway.url}/mcp", headers=headers, json={
        "jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "unauthenticated"
