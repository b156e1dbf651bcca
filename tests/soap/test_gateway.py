"""The SOAP tools through a real gateway: both CRM versions, tickets, screening, failures."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from bridges.secrets import MemorySecretStore
from emulators.soap import Faults, SoapEmulator
from tests.soap.conftest import soap_systems
from tests.support.servers import ServedApp, serve_gateway

JOHN = {"version": 2, "customer_id": "C000001", "first_name": "John", "last_name": "Doe",
        "email": "john.doe@example.com", "mobile_phone": "+1 555 0100 001",
        "date_of_birth": "1980-04-12", "segment": "retail", "country": "US",
        "preferred_language": "en"}


def test_get_customer_info_is_the_same_from_v1_and_v2(crm_gateway: ServedApp) -> None:
    with crm_gateway.client("support") as client:
        reply = client.post("/tools/get_customer_info", json={"customer_id": "C000001"})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["schema"] == "customer@2"
    assert body["data"] == JOHN
    assert body["source"]["bridge"] == "soap" and body["source"]["system"] == "crm"


def test_find_customer_returns_summaries(crm_gateway: ServedApp) -> None:
    with crm_gateway.client("sales") as client:
        reply = client.post("/tools/find_customer", json={"name": "john d"})
    assert reply.status_code == 200, reply.text
    data = reply.json()["data"]
    assert {"version": 1, "customer_id": "C000001", "display_name": "John Doe",
            "segment": "retail", "country": "US"} in data


def test_unknown_customer_is_404(crm_gateway: ServedApp) -> None:
    with crm_gateway.client("support") as client:
        reply = client.post("/tools/get_customer_info", json={"customer_id": "C999999"})
    assert reply.status_code == 404
    assert reply.json()["error"]["type"] == "not_found"


def test_bad_customer_id_is_422_before_any_wire(crm_gateway: ServedApp) -> None:
    with crm_gateway.client("support") as client:
        reply = client.post("/tools/get_customer_info", json={"customer_id": "<x/>"})
    assert reply.status_code == 422


def test_ticket_round_trip_and_idempotent_create(soap_gateway: ServedApp,
                                                 soap_emulator: SoapEmulator) -> None:
    key = f"test-{uuid.uuid4().hex}"
    args = {"title": "Card blocked", "description": "Declined in Madrid", "priority": "high",
            "customer_id": "C000001", "idempotency_key": key}
    before = len(soap_emulator.ticketing.tickets)
    with soap_gateway.client("support") as client:
        first = client.post("/tools/create_support_ticket", json=args)
        again = client.post("/tools/create_support_ticket", json=args)
        assert first.status_code == 200, first.text
        assert again.status_code == 200, again.text
        ticket = first.json()["data"]
        assert again.json()["data"] == ticket
        assert again.json()["warnings"]
        assert len(soap_emulator.ticketing.tickets) == before + 1
        assert ticket["status"] == "new" and ticket["priority"] == "high"
        assert ticket["customer_id"] == "C000001"
        read = client.post("/tools/get_ticket", json={"ticket_id": ticket["ticket_id"]})
        assert read.status_code == 200
        assert read.json()["data"] == ticket
        conflict = client.post("/tools/create_support_ticket", json={**args, "title": "Other"})
        assert conflict.status_code == 422
        missing = client.post("/tools/get_ticket", json={"ticket_id": "TCK-999999"})
        assert missing.status_code == 404


def test_text_xml_cannot_carry_is_refused_before_the_wire(soap_gateway: ServedApp) -> None:
    with soap_gateway.client("support") as client:
        reply = client.post("/tools/create_support_ticket", json={
            "title": "bell\u0007", "description": "y", "priority": "low",
            "idempotency_key": f"test-{uuid.uuid4().hex}"})
    assert reply.status_code == 422
    assert reply.json()["error"]["fields"][0]["field"] == "title"


def test_ticket_for_unknown_customer_is_a_remote_fault(soap_gateway: ServedApp) -> None:
    with soap_gateway.client("support") as client:
        reply = client.post("/tools/create_support_ticket", json={
            "title": "x", "description": "y", "priority": "low", "customer_id": "C999999",
            "idempotency_key": f"test-{uuid.uuid4().hex}"})
    assert reply.status_code == 502
    assert reply.json()["error"]["code"] == "CUSTOMER_UNKNOWN"


def test_screen_sanctions_for_compliance_only(soap_gateway: ServedApp) -> None:
    with soap_gateway.client("compliance") as client:
        hit = client.post("/tools/screen_sanctions",
                          json={"name": "Draganov, Viktor", "country": "RU",
                                "birth_date": "1961-03-14"})
        clear = client.post("/tools/screen_sanctions", json={"name": "John Doe", "country": "US"})
    assert hit.status_code == 200, hit.text
    data = hit.json()["data"]
    assert data["verdict"] == "match"
    assert data["hits"][0]["entry_id"] == "W00001"
    assert clear.json()["data"]["verdict"] == "clear" and clear.json()["data"]["hits"] == []
    assert hit.json()["source"]["cached"] is False
    with soap_gateway.client("support") as client:
        assert client.post("/tools/screen_sanctions",
                           json={"name": "John Doe", "country": "US"}).status_code == 403


def test_screening_is_never_served_from_cache(soap_gateway: ServedApp) -> None:
    with soap_gateway.client("compliance") as client:
        ids = {client.post("/tools/screen_sanctions", json={"name": "Pavel Sokolov",
                                                            "country": "RU"}).json()["data"]
               ["screening_id"] for _ in range(2)}
    assert len(ids) == 2


@pytest.mark.slow
@pytest.mark.parametrize(("fault", "status", "kind"), [
    (Faults(failure="reset"), 503, "connect_error"),
    (Faults(failure="http500"), 502, "protocol_error"),
    (Faults(failure="malformed"), 502, "protocol_error"),
    (Faults(failure="truncated"), 502, "protocol_error"),
    (Faults(latency_s=1.5), 504, "bridge_timeout")])
def test_wire_faults_become_http_statuses(faults: SoapEmulator, soap_secrets: MemorySecretStore,
                                          roles: dict[str, list[str]], fault: Faults,
                                          status: int, kind: str) -> None:
    """A fresh gateway per fault, so one fault's breaker state cannot colour the next."""
    systems = soap_systems(faults)
    systems["sanctions"]["timeout_s"] = 0.5
    faults.faults = replace(fault, paths=("/sanctions",))
    with serve_gateway(systems, roles, secrets=soap_secrets) as gateway, \
            gateway.client("compliance") as client:
        reply = client.post("/tools/screen_sanctions", json={"name": "Jane Roe", "country": "GB"})
    assert reply.status_code == status, reply.text
    error = reply.json()["error"]
    assert (error["type"], error["retriable"]) == (kind, True)
