"""The hand-written template of each bridge: a working adapter over its reference system."""

from __future__ import annotations

from gateway.scaffold.draft import Draft
from gateway.scaffold.plan import REFERENCE, Request, render

SETTLEMENT_COPYBOOK = "STLREC.cpy"
# What each template's happy call returns from the reference bank (fixtures/bank).
CHECKS = {
    "odbc": ['assert data["customer_id"] == "C000001" and data["currency"] == "USD"'],
    "soap": ['assert data["display_name"] == "John Doe" and data["country"] == "US"'],
    "tn3270": ['assert data["account_id"] == "1000000001"',
               'assert data["ledger"]["currency"] == "USD"'],
    "browser": ['assert data["borrower_name"] == "John Doe"',
                'assert data["principal"] == {"amount": "34865.44", "currency": "USD"}'],
    "sftp": ['assert {t["booking_date"] for t in data} == {"2026-11-26"}',
             'assert "T10000000390031" in {t["transaction_id"] for t in data}'],
}


def hand_written(request: Request) -> Draft:
    fixtures: dict[str, str | bytes] = {}
    if request.bridge == "sftp":
        # The adapter declares its own copy: a partner's layout changes on the partner's day.
        source = request.root / "fixtures" / "batch" / SETTLEMENT_COPYBOOK
        fixtures[SETTLEMENT_COPYBOOK] = source.read_text(encoding="utf-8")
    adapter = render(f"{request.bridge}.py.tmpl", name=request.name,
                     system=request.target_system, copybook=SETTLEMENT_COPYBOOK)
    return Draft(adapter, REFERENCE[request.bridge], CHECKS[request.bridge], fixtures=fixtures)
