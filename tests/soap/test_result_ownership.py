"""Owner-only callers never see another customer's objects, even when no argument names one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bridges.secrets import MemorySecretStore
from emulators.soap import SoapEmulator
from tests.soap.conftest import soap_systems
from tests.support.servers import ServedApp, serve_gateway

POLICY = {"on_behalf_of_roles": ["support"], "rules": [
    {"description": "support for a customer sees only that customer's objects",
     "roles": ["support"], "owner_only": True}]}
JOHN = {"X-On-Behalf-Of": "C000001"}


@pytest.fixture(scope="module")
def owner_gateway(soap_emulator: SoapEmulator, soap_secrets: MemorySecretStore,
                  roles: dict[str, list[str]]) -> Iterator[ServedApp]:
    with serve_gateway(soap_systems(soap_emulator), roles, secrets=soap_secrets,
                       policy=POLICY) as served:
        yield served


def test_a_foreign_ticket_is_refused_and_audited_as_a_denial(owner_gateway: ServedApp) -> None:
    with owner_gateway.client("admin") as admin, owner_gateway.client("support", **JOHN) as sup:
        ticket = admin.post("/tools/create_support_ticket", json={
            "title": "Statement missing", "description": "October statement never arrived",
            "priority": "low", "customer_id": "C000002",
            "idempotency_key": "ownership-test-1"}).json()
        assert "data" in ticket, ticket
        ticket_id = ticket["data"]["ticket_id"]
        refused = sup.post("/tools/get_ticket", json={"ticket_id": ticket_id})
        assert refused.status_code == 403
        assert refused.json()["error"]["type"] == "forbidden"
        assert "C000002" not in refused.json()["error"]["message"]  # nothing of it leaks
        own = admin.post("/tools/create_support_ticket", json={
            "title": "Card", "description": "Card stuck in ATM", "priority": "high",
            "customer_id": "C000001", "idempotency_key": "ownership-test-2",
        }).json()["data"]["ticket_id"]
        assert sup.post("/tools/get_ticket", json={"ticket_id": own}).status_code == 200
        trail = admin.post("/tools/get_audit_trail", json={"agent": "support"}).json()["data"]
    denial = next(r for r in trail if r["tool"] == "get_ticket" and r["decision"] == "deny")
    assert denial["reason"] == "result customer_id=C000002 is not owned by C000001"
    assert denial["status"] == 403 and denial["on_behalf_of"] == "C000001"


def test_a_search_withholds_other_customers_and_says_so(owner_gateway: ServedApp) -> None:
    with owner_gateway.client("support", **JOHN) as sup, owner_gateway.client("admin") as admin:
        everyone = admin.post("/tools/find_customer", json={"name": "Jo", "limit": 25}).json()
        mine = sup.post("/tools/find_customer", json={"name": "Jo", "limit": 25}).json()
    assert len(everyone["data"]) > 1 and not everyone["warnings"]
    assert [c["customer_id"] for c in mine["data"]] == ["C000001"]
    assert mine["warnings"] == [f"{len(everyone['data']) - 1} result(s) of other customers "
                                "withheld: not accessible on behalf of C000001"]
