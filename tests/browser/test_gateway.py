"""The loans tools end to end: agent -> gateway -> browser bridge -> Chromium -> portal."""

from __future__ import annotations

import pytest

from emulators.web import LoansPortal
from tests.support.servers import ServedApp

pytestmark = pytest.mark.browser


def test_john_does_loans_through_the_gateway(loans_gateway: ServedApp) -> None:
    with loans_gateway.client("support") as http:
        names = {t["function"]["name"] for t in http.get("/tools").json()["tools"]}
        assert {"list_loans", "get_loan_status"} <= names
        assert "submit_loan_application" not in names  # sales only
        reply = http.post("/tools/list_loans", json={"customer_id": "C000001"})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["schema"] == "loan@1"
    assert body["source"]["system"] == "loans" and body["source"]["bridge"] == "browser"
    assert [loan["loan_id"] for loan in body["data"]] == ["L0000001"]
    assert body["data"][0]["borrower_name"] == "John Doe"
    assert body["data"][0]["outstanding"] == {"amount": "31378.90", "currency": "USD"}


def test_not_found_and_bad_arguments(loans_gateway: ServedApp) -> None:
    with loans_gateway.client("support") as http:
        missing = http.post("/tools/get_loan_status", json={"loan_id": "L0999999"})
        bad = http.post("/tools/get_loan_status", json={"loan_id": "L1' OR 1=1"})
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found"
    assert bad.status_code == 422


def test_layout_change_is_a_502_not_wrong_data(loans_gateway: ServedApp,
                                               portal: LoansPortal) -> None:
    portal.faults.moved_column = True
    try:
        with loans_gateway.client("admin") as http:
            reply = http.post("/tools/list_loans", json={"customer_id": "C000013"})
    finally:
        portal.faults.moved_column = False
    assert reply.status_code == 502
    assert reply.json()["error"]["type"] == "mapping_error"
    assert "data" not in reply.json()


def test_application_is_written_once_per_key(loans_gateway: ServedApp,
                                             portal: LoansPortal) -> None:
    args = {"customer_id": "C000007", "amount": "8000", "term_months": 24,
            "purpose": "Voiture d'occasion", "idempotency_key": "gw-apply-c000007-1"}
    with loans_gateway.client("sales") as http:
        first = http.post("/tools/submit_loan_application", json=args)
        again = http.post("/tools/submit_loan_application", json=args)
        changed = http.post("/tools/submit_loan_application", json={**args, "amount": "9000"})
        control = http.post("/tools/submit_loan_application",
                            json={**args, "purpose": "Bad\ncontrol", "idempotency_key": "x" * 9})
        euro = http.post("/tools/submit_loan_application",  # not representable in Latin-1
                         json={**args, "purpose": "Prix 100 €", "idempotency_key": "y" * 9})
    assert first.status_code == 200, first.text
    assert again.status_code == 200 and again.json()["data"] == first.json()["data"]
    assert changed.status_code == 422  # the same key with other arguments
    assert control.status_code == 422  # control characters never reach the portal
    assert euro.status_code == 422  # nor text its ISO-8859-1 forms would garble
    filed = [a for a in portal.state.applications.values() if a["customer_id"] == "C000007"]
    assert len(filed) == 1 and filed[0]["application_id"] == first.json()["data"][
        "application_id"]
    with loans_gateway.client("support") as http:
        loans = http.post("/tools/list_loans", json={"customer_id": "C000007"}).json()["data"]
    assert [loan["loan_id"] for loan in loans] == [first.json()["data"]["loan_id"]]
    assert loans[0]["status"] == "pending"
