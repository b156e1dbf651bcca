"""The composite overview and fallback chains over every emulator at once, through HTTP."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from adapters import crm, sanctions
from adapters.core_banking import system_config as corebanking_config
from adapters.loans import PASSWORD_SECRET
from adapters.loans import system_config as loans_config
from bridges.secrets import MemorySecretStore
from emulators.bankdb import BankDatabase
from emulators.dataset import BankDataset
from emulators.soap import SoapEmulator
from emulators.tn3270 import Tn3270Host
from emulators.web import LoansPortal
from tests.conftest import odbc_system
from tests.support.servers import ServedApp, serve_gateway
from tests.tn3270.conftest import expected_ledger

BANK = BankDataset()
JOHN_ACCOUNTS = [a["account_id"] for a in BANK.accounts if a["customer_id"] == "C000001"]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens here once the socket closes


@pytest.fixture(scope="module")
def everything(sqlite_bank: BankDatabase) -> Iterator[tuple[dict[str, Any], MemorySecretStore]]:
    with Tn3270Host() as host, SoapEmulator(sanctions_latency_s=0.05) as soap, \
            LoansPortal() as portal:
        systems = {**odbc_system(sqlite_bank),
                   "corebanking": corebanking_config(host.port),
                   "crm": crm.system_config(soap.url("/crm/v2"), "v2"),
                   "sanctions": sanctions.system_config(soap.url("/sanctions")),
                   "loans": loans_config(portal.url)}
        secrets = MemorySecretStore({"corebanking.password": host.password,
                                     PASSWORD_SECRET: portal.password})
        yield systems, secrets


@pytest.fixture(scope="module")
def gateway(everything: tuple[dict[str, Any], MemorySecretStore],
            roles: dict[str, list[str]]) -> Iterator[ServedApp]:
    systems, secrets = everything
    with serve_gateway(systems, roles, secrets) as served:
        yield served


def overview(gateway: ServedApp, role: str, name: str = "John Doe") -> Any:
    with gateway.client(role) as client:
        return client.post("/tools/get_customer_overview", json={"name": name})


def post_admin(gateway: ServedApp, tool: str, args: dict[str, Any]) -> Any:
    with gateway.client("admin") as client:
        return client.post(f"/tools/{tool}", json=args)


def test_overview_of_john_doe_from_every_system(gateway: ServedApp) -> None:
    response = overview(gateway, "admin")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["schema"] == "customer_overview@1" and body["errors"] == []
    assert body["source"] == {**body["source"], "system": "gateway", "bridge": "composite"}
    data = body["data"]
    assert data["customer"]["customer_id"] == "C000001"
    assert data["customer"]["first_name"] == "John"
    assert sorted(a["account_id"] for a in data["accounts"]) == sorted(JOHN_ACCOUNTS)
    assert sorted(b["account_id"] for b in data["balances"]) == sorted(JOHN_ACCOUNTS)
    assert {t["account_id"] for t in data["recent_transactions"]} <= set(JOHN_ACCOUNTS)
    assert len(data["recent_transactions"]) <= 5 * len(JOHN_ACCOUNTS)
    assert "L0000001" in {loan["loan_id"] for loan in data["loans"]}
    assert data["sanctions"]["verdict"] == "clear"


def test_a_part_the_caller_may_not_use_is_listed_not_hidden(gateway: ServedApp) -> None:
    body = overview(gateway, "support").json()  # support may not screen sanctions
    assert body["data"]["customer"]["customer_id"] == "C000001"
    assert body["data"]["sanctions"] is None
    assert [(e["part"], e["type"]) for e in body["errors"]] == [("sanctions", "forbidden")]
    assert len(body["data"]["balances"]) == len(JOHN_ACCOUNTS)


def test_unknown_or_ambiguous_names_are_404(gateway: ServedApp) -> None:
    assert overview(gateway, "admin", "Nobody Atall").status_code == 404


def test_mainframe_down_balance_falls_back_to_the_ledger(
        everything: tuple[dict[str, Any], MemorySecretStore],
        roles: dict[str, list[str]]) -> None:
    systems, secrets = everything
    broken = {**systems, "corebanking": corebanking_config(closed_port())}
    with serve_gateway(broken, roles, secrets, controls={"retry": {"attempts": 1}}) as gateway:
        response = post_admin(gateway, "get_account_balance", {"account_id": "1000000001"})
        body = overview(gateway, "admin").json()
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["tool"] == "get_account_balance" and result["source"]["bridge"] == "odbc"
    assert any("fallback get_ledger_balance" in w for w in result["warnings"])
    assert Decimal(result["data"]["ledger"]["amount"]) == expected_ledger("1000000001")
    # In the overview, the accounts list (core banking only) fails and says so.
    failed = {e["part"]: e for e in body["errors"]}
    assert failed["accounts"]["retriable"] is True
    assert body["data"]["customer"]["customer_id"] == "C000001"
