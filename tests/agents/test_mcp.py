"""MCP door: the SDK's client over real HTTP sees the same tools, schemas, results, refusals."""

from __future__ import annotations

import json

import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from canonical import registry
from emulators.smtp import MailServer
from gateway.observe import CallRecord
from gateway.runtime import Runtime
from tests.agents.conftest import McpConnect, wait_job
from tests.support.servers import TEST_KEYS, ServedApp


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


class Recorder:
    def __init__(self) -> None:
        self.records: list[CallRecord] = []

    async def observe(self, record: CallRecord) -> None:
        self.records.append(record)


async def test_mcp_calls_go_through_the_one_observed_pipeline(
        gateway: ServedApp, mcp_client: McpConnect) -> None:
    recorder = Recorder()
    runtime: Runtime = gateway.server.config.app.state.runtime  # type: ignore[attr-defined]
    runtime.add_observer(recorder)
    try:
        async with mcp_client("sales") as client:
            await client.call_tool("get_product_price", {"product_code": "LN-PERS"})
            await client.call_tool("get_recent_transactions", {"account_id": "1000000001"})
    finally:
        runtime.observers.remove(recorder)
    ok, denied = recorder.records
    assert (ok.agent, ok.tool, ok.outcome, ok.status) == ("sales", "get_product_price", "ok", 200)
    assert (denied.decision, denied.status) == ("deny", 403)


async def test_a_long_running_tool_over_mcp_answers_a_job_ticket(
        job_gateway: ServedApp, mail: MailServer) -> None:
    headers = {"Authorization": f"Bearer {TEST_KEYS['sales']}"}
    async with create_mcp_http_client(headers=headers) as http, Client(
            streamable_http_client(f"{job_gateway.url}/mcp", http_client=http)) as client:
        listed = {t.name: t for t in (await client.list_tools()).tools}
        assert listed["send_proposal_email"].output_schema["required"] == [
            "job_id", "state", "status_url"]
        result = await client.call_tool("send_proposal_email", {
            "customer_id": "C000001", "product_code": "SAV-FLEX", "message": "Over MCP."})
    ticket = result.structured_content
    with job_gateway.client("sales") as http_client:
        job = wait_job(http_client, ticket["job_id"])
    assert job["state"] == "succeeded"
    assert any(m.message["Message-ID"] == job["result"]["data"]["message_id"]
               for m in mail.messages())
