"""The gateway path: core banking tools over HTTP, through the bridge, s3270 and the host."""

from __future__ import annotations

import socket
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.core_banking import system_config
from bridges.errors import ConfigError
from bridges.secrets import MemorySecretStore
from bridges.tn3270.terminal import Terminal
from emulators.dataset import BankDataset
from emulators.tn3270 import Tn3270Host
from tests.support.servers import ServedApp, serve_gateway
from tests.tn3270.conftest import expected_ledger


def test_balance_of_john_does_first_account(gateway: ServedApp) -> None:
    with gateway.client("support") as client:
        reply = client.post("/tools/get_account_balance", json={"account_id": "1000000001"})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["schema"] == "balance@1" and body["source"]["bridge"] == "tn3270"
    data = body["data"]
    assert Decimal(data["ledger"]["amount"]) == expected_ledger("1000000001")
    assert data["ledger"]["currency"] == "USD"
    assert Decimal(data["available"]["amount"]) == (
        Decimal(data["ledger"]["amount"]) - Decimal(data["holds"]["amount"]) + Decimal("1000.00"))


def test_list_accounts_reads_every_page(gateway: ServedApp) -> None:
    with gateway.client("support") as client:
        reply = client.post("/tools/list_accounts", json={"customer_id": "C000002"})
    assert reply.status_code == 200, reply.text
    wanted = [a for a in BankDataset().accounts if a["customer_id"] == "C000002"]
    got = reply.json()["data"]
    assert [a["account_id"] for a in got] == [a["account_id"] for a in wanted]
    assert [a["status"] for a in got] == [a["status"] for a in wanted]
    assert got[0]["opened_on"] == wanted[0]["opened_on"]


def test_unknown_account_is_404_and_bad_input_is_422(gateway: ServedApp) -> None:
    with gateway.client("admin") as client:
        missing = client.post("/tools/get_account_balance", json={"account_id": "9999999999"})
        hostile = client.post("/tools/place_hold", json={
            "account_id": "1000000002", "amount": "1.00", "reason": "a\nEnter()",
            "idempotency_key": "hostile-0001"})
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found"
    assert hostile.status_code == 422


def test_place_hold_twice_with_one_key_writes_once(gateway: ServedApp,
                                                   host: Tn3270Host) -> None:
    before = len(host.bank.placed)
    args = {"account_id": "1000000008", "amount": "42.00", "reason": "dispute",
            "idempotency_key": "gw-hold-0001"}
    with gateway.client("admin") as client:
        first = client.post("/tools/place_hold", json=args)
        second = client.post("/tools/place_hold", json=args)
        balance = client.post("/tools/get_account_balance", json={"account_id": "1000000008"})
    assert first.status_code == second.status_code == 200, first.text
    assert second.json()["data"]["hold_id"] == first.json()["data"]["hold_id"]
    assert second.json()["warnings"] and not first.json()["warnings"]
    assert len(host.bank.placed) == before + 1
    assert Decimal(balance.json()["data"]["holds"]["amount"]) >= Decimal("42.00")


def test_support_agents_see_the_read_tools_only(gateway: ServedApp) -> None:
    with gateway.client("support") as client:
        names = {t["function"]["name"] for t in client.get("/tools").json()["tools"]}
        refused = client.post("/tools/place_hold", json={
            "account_id": "1000000002", "amount": "1.00", "reason": "x",
            "idempotency_key": "support-0001"})
    assert {"get_account_balance", "list_accounts"} <= names and "place_hold" not in names
    assert refused.status_code == 403


def test_a_host_that_is_down_is_a_retriable_503(roles: dict[str, list[str]]) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    secrets = MemorySecretStore({"corebanking.password": "UNUSED00"})
    with serve_gateway({"corebanking": system_config(port)}, roles, secrets) as served, \
            served.client("support") as client:
        reply = client.post("/tools/get_account_balance", json={"account_id": "1000000001"})
    assert reply.status_code == 503, reply.text
    assert reply.json()["error"]["retriable"] is True


def test_missing_s3270_is_a_configuration_error(host: Tn3270Host) -> None:
    with pytest.raises(ConfigError, match="not installed"):
        Terminal("corebanking", executable="/nonexistent/s3270")


def test_replay_through_the_gateway_equals_live(host: Tn3270Host, roles: dict[str, list[str]],
                                                tmp_path: Path) -> None:
    cassette = tmp_path / "corebanking.json"
    secrets = MemorySecretStore({"corebanking.password": host.password})
    calls = [("get_account_balance", {"account_id": "1000000001"}),
             ("list_accounts", {"customer_id": "C000002"})]
    with serve_gateway({"corebanking": system_config(host.port, record=str(cassette))}, roles,
                       secrets) as served, served.client("support") as client:
        live = [client.post(f"/tools/{name}", json=args).json()["data"] for name, args in calls]
    assert host.password not in cassette.read_text()
    with serve_gateway({"corebanking": system_config(None, replay=str(cassette))}, roles,
                       MemorySecretStore()) as served, served.client("support") as client:
        replayed = [client.post(f"/tools/{name}", json=args).json()["data"]
                    for name, args in calls]
    assert replayed == live
