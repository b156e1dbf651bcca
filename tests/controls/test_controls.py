"""Each gateway control, through the HTTP API, with faults injected in the emulators."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from pydantic import BaseModel

from adapters.kit import Tool, ToolContext
from adapters.kit.sql import fetch_rows
from adapters.products import GetProductPrice, ListProducts
from bridges.odbc import Statement
from canonical import CanonicalModel
from canonical.entities.product import ProductV1
from emulators.bankdb import BankDatabase, PostgresBankDb
from tests.conftest import odbc_system
from tests.support.servers import ServedApp, serve_gateway

PING = Statement("SELECT COUNT(*) AS N FROM PRODMAST")


class Note(BaseModel):
    text: str = "x"
    idempotency_key: str = "k"


class CountingTool(Tool[Note]):
    """Touches the real database; counts how often the gateway really ran it."""

    description = "test"
    Params = Note
    returns = "product@1"
    system = "bankdb"
    runs: ClassVar[int] = 0

    async def run(self, params: Note, ctx: ToolContext) -> CanonicalModel:
        type(self).runs += 1
        rows = await fetch_rows(ctx, "bankdb", PING, ())
        return ProductV1(product_code=f"N{rows[0]['N']}", name=params.text, category="account",
                         currency="EUR", active=True)


class ReadPing(CountingTool):
    name = "read_ping"  # idempotent read: may be retried


class WritePing(CountingTool):
    name = "write_ping"
    idempotent = False  # a write: never retried blindly
    idempotency_key = "idempotency_key"


def post(gateway: ServedApp, tool: str, args: dict[str, Any], role: str = "admin") -> Any:
    with gateway.client(role) as client:
        return client.post(f"/tools/{tool}", json=args)


def test_rate_limit_answers_429_with_retry_after_and_holds_at_the_window_edge(
        sqlite_bank: BankDatabase, roles: dict[str, list[str]]) -> None:
    limits = [{"agent": "sales", "tool": "list_products", "rate": "20/second"}]
    with serve_gateway(odbc_system(sqlite_bank), roles, controls={"limits": limits}) as gateway:
        with gateway.client("sales") as client:
            stamps: list[float] = []
            refused = None
            started = time.monotonic()
            while time.monotonic() - started < 2.0:
                response = client.post("/tools/list_products", json={})
                if response.status_code == 200:
                    stamps.append(time.monotonic())
                else:
                    assert response.status_code == 429
                    refused = response
        assert refused is not None
        assert refused.json()["error"]["type"] == "rate_limited"
        assert refused.json()["error"]["retriable"] is True
        assert int(refused.headers["Retry-After"]) >= 1
        # Any one-second window holds at most rate + burst - 1 = 20 calls (+5 %).
        worst = max(sum(1 for s in stamps if t <= s < t + 1.0) for t in stamps)
        assert worst <= 21, worst
        assert len(stamps) >= 30  # and the limiter lets the rate through
        other = post(gateway, "list_products", {}, role="support")  # other agents unaffected
        assert other.status_code in (200, 403)


def test_daily_quota_and_cache_hits_count_against_limits(
        sqlite_bank: BankDatabase, roles: dict[str, list[str]]) -> None:
    limits = [{"agent": "sales", "tool": "list_products", "daily_quota": 3}]
    with serve_gateway(odbc_system(sqlite_bank), roles, controls={"limits": limits}) as gateway:
        answers = [post(gateway, "list_products", {}, role="sales") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[1].json()["source"]["cached"] is True  # served by the cache, still counted
    assert "daily quota" in answers[3].json()["error"]["message"]


def test_cache_hit_carries_its_age_and_keys_are_scoped_by_caller(
        sqlite_bank: BankDatabase, roles: dict[str, list[str]]) -> None:
    with serve_gateway(odbc_system(sqlite_bank), roles) as gateway:
        first = post(gateway, "list_products", {"category": "loan"}).json()
        time.sleep(0.05)
        second = post(gateway, "list_products", {"category": "loan"}).json()
        other_role = post(gateway, "list_products", {"category": "loan"}, role="sales").json()
        never = [post(gateway, "get_product_price", {"product_code": "LN-PERS"}).json()
                 for _ in range(2)]
    assert first["source"]["cached"] is False
    assert second["source"]["cached"] is True and second["source"]["age_s"] > 0
    assert second["data"] == first["data"] and second["trace_id"] != first["trace_id"]
    assert other_role["source"]["cached"] is False  # another scope: its own entry
    assert [n["source"]["cached"] for n in never] == [False, False]  # real-time: TTL 0


def test_stale_entry_past_its_ttl_is_served_only_when_the_backend_fails(
        doomed_postgres: PostgresBankDb, roles: dict[str, list[str]],
        monkeypatch: Any) -> None:
    monkeypatch.setattr(ListProducts, "cache_ttl_s", 0.2)
    with serve_gateway(odbc_system(doomed_postgres), roles,
                       controls={"retry": {"attempts": 1}}) as gateway:
        fresh = post(gateway, "list_products", {"category": "card"}).json()
        time.sleep(0.3)
        refetched = post(gateway, "list_products", {"category": "card"}).json()
        time.sleep(0.3)
        doomed_postgres.stop()
        stale = post(gateway, "list_products", {"category": "card"}).json()
    assert refetched["source"]["cached"] is False  # past TTL and backend up: fetched again
    assert stale["source"]["cached"] is True and stale["source"]["age_s"] >= 0.3
    assert stale["data"] == fresh["data"]
    assert "unavailable" in stale["warnings"][-1] and "cached result" in stale["warnings"][-1]


def test_circuit_opens_fails_fast_half_opens_and_closes(
        doomed_postgres: PostgresBankDb, roles: dict[str, list[str]]) -> None:
    controls = {"retry": {"attempts": 1},
                "breaker": {"window": 4, "min_calls": 4, "failure_rate": 0.5, "open_s": 1.0,
                            "half_open_probes": 1}}
    ReadPing.runs = 0
    with serve_gateway(odbc_system(doomed_postgres), roles, tools=[ReadPing],
                       controls=controls) as gateway:
        assert post(gateway, "read_ping", {}).status_code == 200
        doomed_postgres.stop()
        failures = [post(gateway, "read_ping", {}) for _ in range(3)]
        assert [f.json()["error"]["type"] for f in failures] == ["connect_error"] * 3
        runs_when_opened = ReadPing.runs
        fast = [post(gateway, "read_ping", {}) for _ in range(5)]
        assert {f.json()["error"]["type"] for f in fast} == {"circuit_open"}
        assert all(f.status_code == 503 and "Retry-After" in f.headers for f in fast)
        assert ReadPing.runs == runs_when_opened  # the backend was not touched
        doomed_postgres.start()
        time.sleep(1.1)  # open_s passes: the next call is a half-open probe
        probe = post(gateway, "read_ping", {})
        assert probe.status_code == 200, probe.text
        assert post(gateway, "read_ping", {}).status_code == 200  # closed again


def test_idempotent_reads_are_retried_and_writes_never(
        doomed_postgres: PostgresBankDb, roles: dict[str, list[str]]) -> None:
    controls = {"retry": {"attempts": 3, "initial_s": 0.01, "max_wait_s": 0.02},
                "breaker": {"min_calls": 100, "window": 100}}
    ReadPing.runs = WritePing.runs = 0
    with serve_gateway(odbc_system(doomed_postgres), roles, tools=[ReadPing, WritePing],
                       controls=controls) as gateway:
        doomed_postgres.stop()
        read = post(gateway, "read_ping", {})
        write = post(gateway, "write_ping", {"idempotency_key": "w1"})
    assert read.status_code == 503 and ReadPing.runs == 3
    assert write.status_code == 503 and WritePing.runs == 1


def test_bulkhead_turns_excess_concurrency_into_503(
        bankdb: BankDatabase, roles: dict[str, list[str]]) -> None:
    controls = {"bulkheads": {"bankdb": {"max_concurrent": 1, "max_queue": 1,
                                         "queue_timeout_s": 5}},
                "retry": {"attempts": 1}}
    with serve_gateway(odbc_system(bankdb, statement_timeout_s=5), roles,
                       controls=controls) as gateway:
        bankdb.set_slow_statements(1.0)
        try:
            barrier = threading.Barrier(4)

            def slow_call(_: int) -> Any:
                barrier.wait()
                return post(gateway, "get_transaction_summary",
                            {"account_id": "1000000001", "month": "2026-11"})

            with ThreadPoolExecutor(4) as pool:
                answers = list(pool.map(slow_call, range(4)))
        finally:
            bankdb.set_slow_statements(0)
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(200) >= 1 and 503 in statuses, statuses
    refused = next(a for a in answers if a.status_code == 503)
    assert refused.json()["error"]["type"] == "overloaded"
    assert refused.headers["Retry-After"] == "1"


def test_a_price_quote_is_never_cached(sqlite_bank: BankDatabase,
                                       roles: dict[str, list[str]]) -> None:
    assert GetProductPrice.cache_ttl_s == 0
    with serve_gateway(odbc_system(sqlite_bank), roles) as gateway:
        quotes = [post(gateway, "get_product_price", {"product_code": "CC-GOLD"}).json()
                  for _ in range(2)]
    assert quotes[0]["data"]["quoted_at"] != quotes[1]["data"]["quoted_at"]
