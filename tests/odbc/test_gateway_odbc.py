"""End to end: HTTP client -> gateway -> adapter -> pyodbc -> driver manager -> database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from emulators.bankdb import BankDatabase, PostgresBankDb
from emulators.dataset import BankDataset
from tests.conftest import odbc_system
from tests.support.servers import ServedApp, serve_gateway

BANK = BankDataset()


def call(gateway: ServedApp, tool: str, args: Any, role: str | None = "admin",
         **headers: str) -> Any:
    with gateway.client(role, **headers) as client:
        return client.post(f"/tools/{tool}", json=args)


def signed(t: dict[str, str]) -> Decimal:
    return Decimal(t["amount"]) * (-1 if t["direction"] == "D" else 1)


def test_recent_transactions_for_john_doe(bank_gateway: ServedApp) -> None:
    response = call(bank_gateway, "get_recent_transactions",
                    {"account_id": "1000000001", "limit": 5}, role="support")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["tool"] == "get_recent_transactions" and body["schema"] == "transaction@1"
    assert body["source"]["system"] == "bankdb" and body["source"]["bridge"] == "odbc"
    assert body["source"]["cached"] is False and body["trace_id"]
    assert body["trace_id"] == response.headers["X-Request-ID"]
    expected = sorted((t for t in BANK.transactions if t["account_id"] == "1000000001"),
                      key=lambda t: (t["booking_date"], t["txn_id"]), reverse=True)[:5]
    assert [t["transaction_id"] for t in body["data"]] == [t["txn_id"] for t in expected]
    first, want = body["data"][0], expected[0]
    assert Decimal(first["amount"]["amount"]) == signed(want)
    assert first["amount"]["currency"] == "USD" and first["booking_date"] == want["booking_date"]
    assert first["direction"] == ("debit" if want["direction"] == "D" else "credit")
    assert first["type_description"]


def test_since_filters_by_booking_day(bank_gateway: ServedApp) -> None:
    body = call(bank_gateway, "get_recent_transactions",
                {"account_id": "1000000001", "limit": 500, "since": "2026-10-01"}).json()
    expected = [t for t in BANK.transactions
                if t["account_id"] == "1000000001" and t["booking_date"] >= "2026-10-01"]
    assert len(body["data"]) == len(expected) > 0
    assert all(date.fromisoformat(t["booking_date"]) >= date(2026, 10, 1) for t in body["data"])


def test_monthly_summary_matches_the_dataset_exactly(bank_gateway: ServedApp) -> None:
    body = call(bank_gateway, "get_transaction_summary",
                {"account_id": "1000000001", "month": "2026-11"}).json()
    rows = [t for t in BANK.transactions
            if t["account_id"] == "1000000001" and t["booking_date"].startswith("2026-11")]
    debits = sum((Decimal(t["amount"]) for t in rows if t["direction"] == "D"), Decimal(0))
    credits = sum((Decimal(t["amount"]) for t in rows if t["direction"] == "C"), Decimal(0))
    data = body["data"]
    assert data["count"] == len(rows)
    assert Decimal(data["debits"]["amount"]) == debits
    assert Decimal(data["net"]["amount"]) == credits - debits
    assert data["net"]["currency"] == "USD"


def test_large_transactions_for_monitoring(bank_gateway: ServedApp) -> None:
    body = call(bank_gateway, "find_large_transactions",
                {"min_amount": "10000", "since": "2026-01-01", "limit": 1000},
                role="compliance").json()
    expected = {t["txn_id"] for t in BANK.transactions if Decimal(t["amount"]) >= 10000}
    assert {t["transaction_id"] for t in body["data"]} == expected
    amounts = [abs(Decimal(t["amount"]["amount"])) for t in body["data"]]
    assert amounts == sorted(amounts, reverse=True)
    truncated = call(bank_gateway, "find_large_transactions",
                     {"min_amount": "10000", "since": "2026-01-01", "limit": 2}).json()
    assert len(truncated["data"]) == 2 and "more than 2" in truncated["warnings"][0]


def test_product_price_for_a_premium_customer(bank_gateway: ServedApp) -> None:
    premium = next(c for c in BANK.customers if c["segment"] == "premium")
    body = call(bank_gateway, "get_product_price",
                {"product_code": "LN-PERS", "customer_id": premium["customer_id"]},
                role="sales").json()
    data = body["data"]
    assert body["schema"] == "price@1" and data["segment"] == "premium"
    assert Decimal(data["discount_pct"]) == 15
    assert Decimal(data["setup_fee"]["amount"]) == Decimal("127.50")  # 150.00 less 15 %
    assert Decimal(data["interest_rate_pct"]) == Decimal("7.9")
    listed = call(bank_gateway, "get_product_price", {"product_code": "LN-PERS"}).json()
    assert listed["data"]["segment"] == "retail"
    closed = call(bank_gateway, "get_product_price", {"product_code": "SAV-OLD"}).json()
    assert "closed to new customers" in closed["warnings"][0]


def test_list_products_by_category_and_name(bank_gateway: ServedApp) -> None:
    loans = call(bank_gateway, "list_products", {"category": "loan"}).json()["data"]
    assert [p["product_code"] for p in loans] == ["LN-AUTO", "LN-MORT", "LN-PERS"]
    named = call(bank_gateway, "list_products", {"name_contains": "SAVINGS"}).json()["data"]
    assert {p["product_code"] for p in named} == {"SAV-FLEX", "SAV-FIX12"}


@pytest.mark.parametrize("hostile", ["' OR '1'='1", "%", "_", "x'; DROP TABLE PRODMAST; --"])
def test_sql_metacharacters_in_arguments_stay_literal(bank_gateway: ServedApp,
                                                      hostile: str) -> None:
    listed = call(bank_gateway, "list_products", {"name_contains": hostile})
    assert listed.status_code == 200 and listed.json()["data"] == []
    priced = call(bank_gateway, "get_product_price", {"product_code": hostile})
    assert priced.status_code == 404
    assert len(call(bank_gateway, "list_products", {}).json()["data"]) == 11


def test_unknown_account_is_404(bank_gateway: ServedApp) -> None:
    for tool, args in [("get_recent_transactions", {"account_id": "9999999999"}),
                       ("get_transaction_summary", {"account_id": "9999999999",
                                                    "month": "2026-11"})]:
        response = call(bank_gateway, tool, args)
        assert response.status_code == 404
        error = response.json()["error"]
        assert error["type"] == "not_found" and error["retriable"] is False
        assert "9999999999" in error["message"]


def test_unknown_customer_and_tool_are_404(bank_gateway: ServedApp) -> None:
    response = call(bank_gateway, "get_product_price",
                    {"product_code": "LN-PERS", "customer_id": "C999999"})
    assert response.status_code == 404
    assert call(bank_gateway, "no_such_tool", {}).json()["error"]["type"] == "unknown_tool"


@pytest.mark.parametrize(("args", "field"), [
    ({"account_id": "12345"}, "account_id"),
    ({"account_id": "1000000001", "limit": 0}, "limit"),
    ({"account_id": "1000000001", "since": "yesterday"}, "since"),
    ({}, "account_id"),
    ({"account_id": "1000000001", "surprise": 1}, None),
])
def test_bad_arguments_are_422_with_field_errors(bank_gateway: ServedApp,
                                                 args: dict[str, Any], field: str | None) -> None:
    response = call(bank_gateway, "get_recent_transactions", args)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["type"] == "invalid_arguments" and error["retriable"] is False
    if field:
        assert field in [f["field"] for f in error["fields"]]


def test_a_body_that_is_not_an_object_is_422(bank_gateway: ServedApp) -> None:
    with bank_gateway.client() as client:
        assert client.post("/tools/list_products", content=b"[1, 2]").status_code == 422
        assert client.post("/tools/list_products", content=b"{nope").status_code == 422


def test_no_or_bad_key_is_401(bank_gateway: ServedApp) -> None:
    assert call(bank_gateway, "list_products", {}, role=None).status_code == 401
    bad = call(bank_gateway, "list_products", {}, role=None, Authorization="Bearer wrong")
    assert bad.status_code == 401 and bad.json()["error"]["type"] == "unauthenticated"
    with bank_gateway.client(None) as client:
        assert client.get("/tools").status_code == 401


def test_demo_keys_do_not_work_outside_demo_mode(bank_gateway: ServedApp) -> None:
    demo = call(bank_gateway, "list_products", {}, role=None,
                Authorization="Bearer demo-admin-key")
    assert demo.status_code == 401


def test_role_without_the_tool_gets_403_and_does_not_see_it(bank_gateway: ServedApp) -> None:
    response = call(bank_gateway, "find_large_transactions",
                    {"min_amount": "1", "since": "2026-01-01"}, role="sales")
    assert response.status_code == 403 and response.json()["error"]["type"] == "forbidden"
    with bank_gateway.client("sales") as client:
        names = {t["function"]["name"] for t in client.get("/tools").json()["tools"]}
    assert "find_large_transactions" not in names
    assert {"list_products", "get_product_price"} <= names
    with bank_gateway.client("nobody") as client:
        assert client.get("/tools").json() == {"tools": []}


def test_tools_listing_is_openai_function_format(bank_gateway: ServedApp) -> None:
    with bank_gateway.client("admin") as client:
        tools = client.get("/tools").json()["tools"]
    assert {t["function"]["name"] for t in tools} == {
        "get_recent_transactions", "get_transaction_summary", "find_large_transactions",
        "get_ledger_balance", "list_products", "get_product_price", "get_audit_trail"}
    for entry in tools:
        assert entry["type"] == "function"
        assert set(entry["function"]) == {"name", "description", "parameters"}
        assert entry["function"]["parameters"]["type"] == "object"


def test_healthz_and_openapi(bank_gateway: ServedApp) -> None:
    with bank_gateway.client(None) as client:
        health = client.get("/healthz").json()
        spec = client.get("/openapi.json").json()
    assert health["status"] == "ok"
    assert health["systems"] == {"bankdb": "odbc", "audit": "sqlite"}  # audit: built in
    post = spec["paths"]["/tools/get_recent_transactions"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["required"] == \
        ["account_id"]


def test_statement_over_its_timeout_is_504(bankdb: BankDatabase,
                                           roles: dict[str, list[str]]) -> None:
    with serve_gateway(odbc_system(bankdb, statement_timeout_s=0.5), roles) as gateway:
        bankdb.set_slow_statements(20)
        try:
            response = call(gateway, "get_recent_transactions", {"account_id": "1000000001"})
        finally:
            bankdb.set_slow_statements(0)
        assert response.status_code == 504
        assert response.json()["error"] == {
            "type": "bridge_timeout", "message": response.json()["error"]["message"],
            "retriable": True, "system": "bankdb"}
        recovered = call(gateway, "get_recent_transactions", {"account_id": "1000000001"})
        assert recovered.status_code == 200


def test_missing_sqlite_database_is_503(roles: dict[str, list[str]]) -> None:
    systems = {"bankdb": {"bridge": "odbc", "driver": "SQLite3",
                          "database": "/nonexistent/bank.db", "options": {"NoCreat": "1"}}}
    with serve_gateway(systems, roles) as gateway:
        response = call(gateway, "list_products", {})
    assert response.status_code == 503
    assert response.json()["error"]["retriable"] is True
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.postgres
def test_postgres_going_down_is_503_and_coming_back_recovers(
        doomed_postgres: PostgresBankDb, roles: dict[str, list[str]]) -> None:
    with serve_gateway(odbc_system(doomed_postgres), roles) as gateway:
        warm = call(gateway, "get_product_price", {"product_code": "LN-PERS"})
        assert warm.status_code == 200  # the pool holds a connection now
        doomed_postgres.stop()
        down = call(gateway, "get_product_price", {"product_code": "LN-PERS"})
        assert down.status_code == 503, down.text
        assert down.json()["error"]["type"] == "connect_error"
        assert "Retry-After" in down.headers
        again = call(gateway, "get_product_price", {"product_code": "LN-PERS"})
        assert again.status_code == 503  # still down: a fresh connection is refused
        doomed_postgres.start()
        back = call(gateway, "get_product_price", {"product_code": "LN-PERS"})
        assert back.status_code == 200, back.text
