"""Every call through the gateway lands in the hash-chained audit log, masked, and reads back."""

from __future__ import annotations

import asyncio
import itertools
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import httpx

from emulators.bankdb import SqliteBankDb
from gateway.audit import GENESIS, AuditLog, Verdict, chain_hash
from gateway.audit_tool import AuditBridge
from tests.observability.conftest import ObservedFactory, call, runtime_of, trail
from tests.support.servers import TEST_KEYS, ServedApp

ACCOUNT = "1000000001"


def audit_log(served: ServedApp) -> AuditLog:
    bridge = runtime_of(served).bridges["audit"]
    assert isinstance(bridge, AuditBridge)
    return bridge.log


def outcome(record: dict[str, object]) -> tuple[object, ...]:
    return (record["agent"], record["tool"], record["decision"], record["outcome"],
            record["status"], record["error_type"])


def test_every_call_lands_with_its_decision_and_outcome(
        observed: ObservedFactory, sqlite_bank: SqliteBankDb, tmp_path: Path) -> None:
    state = tmp_path / "state"
    with observed(state_dir=state) as gateway:
        ok = call(gateway, "get_recent_transactions", {"account_id": ACCOUNT, "limit": 2},
                  **{"X-Request-ID": "audit-trace-0001"})
        assert ok.status_code == 200
        assert call(gateway, "get_recent_transactions",
                    {"account_id": "9999999999"}).status_code == 404
        assert call(gateway, "no_such_tool", {}).status_code == 404
        assert call(gateway, "get_recent_transactions", {"account_id": ACCOUNT},
                    role="sales").status_code == 403
        assert call(gateway, "get_recent_transactions", {"account_id": "12"}).status_code == 422
        sqlite_bank.set_slow_statements(20)
        try:
            slow = call(gateway, "get_recent_transactions", {"account_id": ACCOUNT, "limit": 3})
        finally:
            sqlite_bank.set_slow_statements(0)
        assert slow.status_code == 504

        records = trail(gateway)

    assert [outcome(r) for r in records] == [
        ("support", "get_recent_transactions", "allow", "ok", 200, None),
        ("support", "get_recent_transactions", "allow", "error", 404, "not_found"),
        ("support", "no_such_tool", "deny", "error", 404, "unknown_tool"),
        ("sales", "get_recent_transactions", "deny", "error", 403, "forbidden"),
        ("support", "get_recent_transactions", "allow", "error", 422, "invalid_arguments"),
        ("support", "get_recent_transactions", "allow", "error", 504, "bridge_timeout"),
    ]
    first = records[0]
    assert first["trace_id"] == "audit-trace-0001" == ok.headers["x-request-id"]
    assert first["arguments"] == {"account_id": ACCOUNT, "limit": 2}
    assert first["system"] == "bankdb" and records[2]["system"] is None
    assert "sales" in records[3]["reason"]  # the policy's explanation is kept
    assert records[5]["latency_ms"] >= 500  # the statement timeout was waited for
    # Each record carries the chain: its hash covers its JSON and the previous hash.
    assert [r["seq"] for r in records] == list(range(6))
    assert records[0]["prev_hash"] == GENESIS
    for before, after in itertools.pairwise(records):
        assert after["prev_hash"] == before["hash"]
    with sqlite3.connect(state / "audit.sqlite3") as db:
        text, digest = db.execute("SELECT record, hash FROM records WHERE seq = 0").fetchone()
    assert chain_hash(GENESIS, text) == digest == first["hash"]
    stored = json.loads(text)
    assert stored["trace_id"] == first["trace_id"] and stored["status"] == 200
    assert datetime.fromisoformat(stored["started_at"]) == datetime.fromisoformat(
        first["started_at"])


def audit_bytes(state: Path) -> bytes:
    """The database file and its write-ahead log, where fresh records are first written."""
    return b"".join(p.read_bytes() for p in sorted(state.glob("audit.sqlite3*")))


def test_secrets_and_personal_data_never_reach_the_file(observed: ObservedFactory,
                                                        tmp_path: Path) -> None:
    personal = {"name": "Zebulon Quartermaine", "email": "zebulon.q@example.org",
                "phone": "+44 20 7946 0958", "description": "lost card near Quartermaine Hall",
                "password": "hunter2-very-secret", "customer_id": "C000042"}
    with observed() as gateway:
        assert call(gateway, "open_account", personal).status_code == 404
        # An unknown argument on a real tool (422) is masked the same way.
        assert call(gateway, "get_recent_transactions", {
            "account_id": ACCOUNT, "name": "zebulon  QUARTERMAINE"}).status_code == 422
        stored = audit_bytes(tmp_path / "state")
        records = trail(gateway)

    for clear in ("Zebulon", "Quartermaine", "zebulon.q", "+44 20 7946 0958", "hunter2"):
        assert clear.encode() not in stored, clear
    masked = records[0]["arguments"]
    assert masked["password"] == "***"
    assert masked["customer_id"] == "C000042"  # business identifiers stay readable
    for field in ("name", "email", "phone", "description"):
        assert masked[field].startswith("pd:") and len(masked[field]) == 19
    # The same person gives the same token, so compliance can still correlate calls.
    assert records[1]["arguments"]["name"] == masked["name"]
    assert records[1]["arguments"]["account_id"] == ACCOUNT
    assert b"C000042" in stored


def test_the_masking_key_outlives_a_restart(observed: ObservedFactory) -> None:
    arguments = {"email": "ann@example.org"}
    with observed() as gateway:
        call(gateway, "missing_tool", arguments)
    with observed() as gateway:
        call(gateway, "missing_tool", arguments)
        records = trail(gateway)
    assert [r["seq"] for r in records] == [0, 1]  # one chain across restarts
    assert records[0]["arguments"] == records[1]["arguments"]


def test_audit_trail_filters_by_customer_agent_and_time(gateway: ServedApp) -> None:
    for customer in ("C000001", "C000002", "C000001"):
        response = call(gateway, "get_product_price",
                        {"product_code": "LN-PERS", "customer_id": customer}, role="sales")
        assert response.status_code in (200, 404), response.text
    middle = datetime.now(UTC)
    call(gateway, "list_products", {}, role="support")
    call(gateway, "get_product_price", {"product_code": "LN-PERS", "customer_id": "C000002"},
         role="support")

    for_c1 = trail(gateway, customer_id="C000001")
    assert [r["arguments"]["customer_id"] for r in for_c1] == ["C000001", "C000001"]
    assert {r["agent"] for r in for_c1} == {"sales"}
    by_support = trail(gateway, agent="support")
    assert [r["tool"] for r in by_support] == ["list_products", "get_product_price"]
    late = trail(gateway, since=middle.isoformat())
    assert [(r["agent"], r["tool"]) for r in late] == [
        ("support", "list_products"), ("support", "get_product_price"),
        ("compliance", "get_audit_trail"), ("compliance", "get_audit_trail")]
    assert [r["seq"] for r in trail(gateway, agent="sales", limit=2)] == [1, 2]
    # The compliance reads are audited too (each after it answered).
    assert [r["tool"] for r in trail(gateway, agent="compliance")][-1] == "get_audit_trail"


def test_only_compliance_and_admin_read_the_trail(gateway: ServedApp) -> None:
    for role, allowed in (("compliance", True), ("admin", True), ("support", False),
                          ("sales", False)):
        with gateway.client(role) as client:
            names = {t["function"]["name"] for t in client.get("/tools").json()["tools"]}
            status = client.post("/tools/get_audit_trail", json={}).status_code
        assert ("get_audit_trail" in names) is allowed, role
        assert status == (200 if allowed else 403), role
    bad = call(gateway, "get_audit_trail", {"since": "yesterday"}, role="compliance")
    assert bad.status_code == 422
    # Reads of the audit trail are audited too, refused and failed ones included.
    assert [(r["agent"], r["status"]) for r in trail(gateway) if r["tool"] == "get_audit_trail"
            ] == [("compliance", 200), ("admin", 200), ("support", 403), ("sales", 403),
                  ("compliance", 422)]


def test_memory_store_when_no_state_dir(observed: ObservedFactory, tmp_path: Path) -> None:
    with observed(state_dir=None) as gateway:
        call(gateway, "list_products", {})
        assert [r["tool"] for r in trail(gateway)] == ["list_products"]
    assert not list(tmp_path.rglob("audit.sqlite3*"))


async def test_concurrent_calls_keep_one_intact_chain(gateway: ServedApp) -> None:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
        responses = await asyncio.gather(*(
            client.post("/tools/get_recent_transactions",
                        json={"account_id": ACCOUNT, "limit": 1 + i % 7},
                        headers={"Authorization": f"Bearer {TEST_KEYS[role]}"})
            for i, role in enumerate(["support", "sales", "compliance"] * 10)))
    assert sorted(r.status_code for r in responses) == [200] * 20 + [403] * 10
    log = audit_log(gateway)
    assert log.verify() == Verdict(30)
    records = trail(gateway, limit=1000)
    assert [r["seq"] for r in records] == list(range(30))
    assert sorted(r["trace_id"] for r in records) == sorted(
        r.headers["x-request-id"] for r in responses)


def test_a_failing_audit_fails_the_call(gateway: ServedApp) -> None:
    """Audit fails closed: a call that cannot be recorded is not answered as a success."""
    audit_log(gateway).close()
    response = call(gateway, "get_recent_transactions", {"account_id": ACCOUNT})
    assert response.status_code == 500
    assert response.json()["error"]["type"] == "internal_error"


def test_two_writers_on_one_file_keep_one_chain(tmp_path: Path) -> None:
    """As a gateway and a job worker process sharing a state folder do."""
    path = tmp_path / "audit.sqlite3"
    first, second = AuditLog(path), AuditLog(path)
    entry = {"started_at": "2026-12-04T10:00:00.000000+00:00", "agent": "support",
             "arguments": {"customer_id": "C000001"}}
    seqs = [(first if i % 2 else second).append(entry) for i in range(10)]
    assert seqs == list(range(10))
    assert first.verify() == second.verify() == Verdict(10)
    first.close()
    second.close()
