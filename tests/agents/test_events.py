"""Legacy events: a row changed in the bank database reaches SSE and webhooks exactly once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters import ticketing
from bridges.secrets import MemorySecretStore
from emulators.bankdb import SqliteBankDb
from emulators.sftp import SftpEmulator
from emulators.soap import SoapEmulator
from gateway.webhooks import verify
from tests.agents.conftest import WEBHOOK_KEY
from tests.agents.receiver import Receiver
from tests.conftest import odbc_system
from tests.support.servers import ServedApp, serve_gateway

TYPE = "transaction_changed@1"
_ids = count(1)


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteBankDb]:
    """A bank of its own: these tests add rows the shared one must not see."""
    with SqliteBankDb(tmp_path_factory.mktemp("events") / "bank.db") as db:
        yield db


@pytest.fixture(scope="module")
def gateway(bank: SqliteBankDb, roles: dict[str, list[str]],
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    secrets = MemorySecretStore({"webhook.signing_key": WEBHOOK_KEY.decode()})
    with serve_gateway(odbc_system(bank), roles, secrets=secrets, events_poll_s=0.05,
                       state_dir=tmp_path_factory.mktemp("state")) as served:
        yield served


def book(bank: SqliteBankDb, amount: str = "42.55") -> str:
    """A new transaction lands in TXNHIST with the next change number."""
    txn_id = f"T9{next(_ids):014d}"
    bank.execute_script(
        "INSERT INTO TXNHIST VALUES ("
        f"'{txn_id}', '1000000001', 20261204, 20261204, 'POS', 'D', '{amount}', 'USD', "
        "'GROCERY MART', 'Grocery Mart', (SELECT MAX(CHG_SEQ) + 1 FROM TXNHIST));")
    return txn_id


def amend(bank: SqliteBankDb, txn_id: str, description: str) -> None:
    bank.execute_script(
        f"UPDATE TXNHIST SET TXN_DESC = '{description}', "
        f"CHG_SEQ = (SELECT MAX(CHG_SEQ) + 1 FROM TXNHIST) WHERE TXN_ID = '{txn_id}';")


class Sse:
    """Reads an open SSE response event by event (its lines can be iterated only once)."""

    def __init__(self, response: httpx.Response) -> None:
        assert response.headers["content-type"].startswith("text/event-stream")
        self.lines = response.iter_lines()

    def read(self, n: int) -> list[dict[str, Any]]:
        return read_sse(self.lines, n)


def read_sse(lines: Iterator[str], n: int) -> list[dict[str, Any]]:
    """The next `n` events, each {id, event, data}."""
    events: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    for line in lines:
        if not line:
            if "data" in current:
                events.append(current)
                if len(events) == n:
                    return events
            current = {}
        elif not line.startswith(":"):
            field, _, value = line.partition(": ")
            current[field] = json.loads(value) if field == "data" else value
    raise AssertionError(f"stream ended after {len(events)} events")


def wait_for(predicate: Any, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.02)


def test_a_change_reaches_sse_and_a_webhook_exactly_once(
        gateway: ServedApp, bank: SqliteBankDb) -> None:
    receiver = Receiver()
    with ServedApp(receiver.app()) as hooks, gateway.client("support") as client:
        sub = client.post("/events/subscriptions",
                          json={"url": f"{hooks.url}/hook", "types": [TYPE]})
        assert sub.status_code == 201, sub.text
        with client.stream("GET", "/events", params={"types": TYPE}) as stream:
            sse = Sse(stream)
            first = book(bank)
            [booked] = sse.read(1)
            # Polling sees states, not steps: an insert and update within one poll would be one
            # event, so the update waits for the insert's event.
            amend(bank, first, "GROCERY MART REFUND")
            [amended] = sse.read(1)
            # A third change is the barrier: once it arrives, the first two were not repeated.
            third = book(bank, "7.25")
            [barrier] = sse.read(1)
        wait_for(lambda: len(receiver.accepted()) == 3)
    assert booked["event"] == TYPE and booked["data"]["type"] == TYPE
    assert booked["data"]["data"]["transaction"]["transaction_id"] == first
    assert booked["data"]["data"]["transaction"]["amount"] == {"amount": "-42.55",
                                                             "currency": "USD"}
    assert amended["data"]["data"]["transaction"]["description"] == "GROCERY MART REFUND"
    assert barrier["data"]["data"]["transaction"]["transaction_id"] == third
    assert int(booked["id"]) < int(amended["id"]) < int(barrier["id"])
    delivered = [json.loads(d.body) for d in receiver.accepted()]
    assert [d["id"] for d in delivered] == [booked["id"], amended["id"], barrier["id"]]
    for d in receiver.accepted():
        assert verify(WEBHOOK_KEY, d.headers["x-mainbridge-signature"], d.body)


def test_reconnecting_with_last_event_id_loses_nothing(
        gateway: ServedApp, bank: SqliteBankDb) -> None:
    with gateway.client("support") as client:
        with client.stream("GET", "/events") as stream:
            book(bank)
            [seen] = Sse(stream).read(1)
        missed = [book(bank, f"{n}.25") for n in range(1, 4)]  # while disconnected
        with client.stream("GET", "/events", headers={"Last-Event-ID": seen["id"]}) as stream:
            resumed = Sse(stream).read(3)
    assert [e["data"]["data"]["transaction"]["transaction_id"] for e in resumed] == missed
    assert [int(e["id"]) for e in resumed] == sorted(int(e["id"]) for e in resumed)
    assert int(resumed[0]["id"]) > int(seen["id"])


def test_events_are_filtered_by_the_subscribers_policy(gateway: ServedApp) -> None:
    # sales may not read transactions, so it may not receive their change events either.
    with gateway.client("sales") as client:
        assert client.get("/events", params={"types": TYPE}).status_code == 403
        refused = client.post("/events/subscriptions",
                              json={"url": "http://127.0.0.1:9/hook", "types": [TYPE]})
        assert refused.status_code == 403
    with gateway.client(None) as anonymous:
        assert anonymous.get("/events").status_code == 401
    with gateway.client("support") as client:
        bad = client.post("/events/subscriptions", json={"url": "ftp://x/y", "types": [TYPE]})
        assert bad.status_code == 422


def test_subscriptions_are_listed_and_removed_by_their_owner(gateway: ServedApp) -> None:
    with gateway.client("support") as client:
        sub = client.post("/events/subscriptions",
                          json={"url": "http://127.0.0.1:9/hook", "types": [TYPE]}).json()
        listed = client.get("/events/subscriptions").json()["subscriptions"]
        assert sub["id"] in [s["id"] for s in listed]
    with gateway.client("admin") as other:
        assert other.delete(f"/events/subscriptions/{sub['id']}").status_code == 404
    with gateway.client("support") as client:
        assert client.delete(f"/events/subscriptions/{sub['id']}").status_code == 204
        assert sub["id"] not in [s["id"] for s in
                                 client.get("/events/subscriptions").json()["subscriptions"]]


def test_a_restarted_gateway_neither_repeats_nor_loses_changes(
        bank: SqliteBankDb, roles: dict[str, list[str]], tmp_path: Path) -> None:
    state = {"state_dir": tmp_path / "state", "events_poll_s": 0.05}
    with serve_gateway(odbc_system(bank), roles, **state) as first, \
            first.client("support") as client, client.stream("GET", "/events") as stream:
        before = book(bank)
        [seen] = Sse(stream).read(1)
    during = book(bank)  # while no gateway runs
    with serve_gateway(odbc_system(bank), roles, **state) as second, \
            second.client("support") as client, client.stream(
                "GET", "/events", headers={"Last-Event-ID": seen["id"]}) as stream:
        [next_event] = Sse(stream).read(1)
    assert seen["data"]["data"]["transaction"]["transaction_id"] == before
    assert next_event["data"]["data"]["transaction"]["transaction_id"] == during


def test_a_new_settlement_file_on_sftp_is_an_event(
        tmp_path: Path, roles: dict[str, list[str]]) -> None:
    with SftpEmulator(tmp_path / "sftp", initial_days=1, pending_days=1) as sftp:
        systems = {"settlements": {"bridge": "sftp", **sftp.connection(),
                                   "private_key_secret": "settlements.private_key"}}
        secrets = MemorySecretStore({"settlements.private_key": sftp.client_key_pem()})
        with serve_gateway(systems, roles, secrets=secrets, events_poll_s=0.05) as gateway:
            with gateway.client("support") as support:
                assert support.get("/events", params={"types": "batch_file_arrived@1"}
                                   ).status_code == 403
            with gateway.client("compliance") as client, client.stream(
                    "GET", "/events", params={"types": "batch_file_arrived@1"}) as stream:
                day = sftp.publish_next()
                assert day is not None
                arrived = Sse(stream).read(2)
    files = {e["data"]["data"]["file"]["file_id"] for e in arrived}
    stamp = day.strftime("%Y%m%d")
    assert len(files) == 2 and all(stamp in f for f in files)
    assert {e["data"]["data"]["file"]["partner"] for e in arrived} == {"clearing", "cardnet"}


def set_ticket_status(soap: SoapEmulator, ticket_id: str, status: str) -> None:
    """A help-desk clerk changes the ticket in the legacy system itself."""
    desk = soap.ticketing
    with desk._lock:
        desk.tickets[ticket_id] = replace(desk.tickets[ticket_id], status=status,
                                          updated_at=datetime.now(UTC).replace(microsecond=0))


def test_a_ticket_status_change_on_the_help_desk_is_an_event(
        soap: SoapEmulator, roles: dict[str, list[str]]) -> None:
    systems = {"ticketing": ticketing.system_config(soap.url("/ticketing"))}
    secrets = MemorySecretStore({"ticketing.password": soap.ticketing_password})
    with serve_gateway(systems, roles, secrets=secrets, events_poll_s=0.05) as gateway:
        with gateway.client("sales") as sales:
            assert sales.get("/events", params={"types": "ticket_status_changed@1"}
                             ).status_code == 403
        with gateway.client("support") as client, client.stream(
                "GET", "/events", params={"types": "ticket_status_changed@1"}) as stream:
            sse = Sse(stream)
            created = client.post("/tools/create_support_ticket", json={
                "title": "Card blocked", "description": "Declined abroad.", "priority": "high",
                "customer_id": "C000001", "idempotency_key": "events-test-0001"}).json()["data"]
            [appeared] = sse.read(1)
            set_ticket_status(soap, created["ticket_id"], "RESOLVED")
            [resolved] = sse.read(1)
    assert appeared["data"]["data"]["ticket_id"] == created["ticket_id"]
    assert (appeared["data"]["data"]["previous_status"], appeared["data"]["data"]["status"]) == (
        None, "new")
    assert (resolved["data"]["data"]["previous_status"], resolved["data"]["data"]["status"]) == (
        "new", "resolved")
    assert resolved["data"]["data"]["ticket"]["status"] == "resolved"


def test_a_customer_record_change_lists_the_changed_fields(
        gateway: ServedApp, bank: SqliteBankDb) -> None:
    with gateway.client("sales") as client, client.stream(
            "GET", "/events", params={"types": "customer_updated@1"}) as stream:
        # CUST_ID is CHAR(8): stored padded, as DB2 would.
        bank.execute_script("UPDATE CUSTMAST SET SEG_CD = 'P', CUST_LNAME = 'Doe-Smith' "
                            "WHERE CUST_ID = 'C000001 ';")
        [updated] = Sse(stream).read(1)
    data = updated["data"]["data"]
    assert data["customer_id"] == "C000001"
    assert sorted((c["field"], c["old"], c["new"]) for c in data["changes"]) == [
        ("last_name", "Doe", "Doe-Smith"), ("segment", "retail", "premium")]
