"""The settlement tools through a real gateway, over SFTP, against the partners' emulator."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from bridges.records import read_batch
from emulators.dataset import BankDataset
from emulators.sftp import SftpEmulator
from emulators.sftp.settlement import PARTNERS, file_name
from tests.support.servers import ServedApp, serve_gateway

PAYMENTS = [
    {"debtor_account": "1000000001", "creditor_name": "ACME Supplies", "creditor_iban":
     "DE89370400440532013000", "amount": "1000.00", "currency": "EUR", "reference": "INV 42",
     "execution_date": "2026-12-07"},
    {"debtor_account": "1000000001", "creditor_name": "Zoë Café", "creditor_iban":
     "FR1420041010050500013M02606", "amount": "350.50", "currency": "USD",
     "execution_date": "2026-12-07"},
]


def test_list_batch_files_shows_published_days(gateway: ServedApp,
                                               emulator: SftpEmulator) -> None:
    with gateway.client("compliance") as client:
        reply = client.post("/tools/list_batch_files", json={})
        assert reply.status_code == 200, reply.text
        files = reply.json()["data"]
        assert {f["name"] for f in files} == {file_name(p, d) for p in PARTNERS
                                             for d in emulator.published}
        assert all(f["direction"] == "inbound" for f in files)
        day = emulator.published[-1].isoformat()
        one_day = client.post("/tools/list_batch_files", json={"date": day}).json()["data"]
        assert {f["business_date"] for f in one_day} == {day} and len(one_day) == 2


def test_batch_transactions_equal_the_bank_dataset(gateway: ServedApp,
                                                   emulator: SftpEmulator) -> None:
    day = emulator.published[0].isoformat()
    with gateway.client("compliance") as client:
        reply = client.post("/tools/get_batch_transactions", json={"date": day})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["schema"] == "transaction@1" and body["warnings"] == []
    expected = {r["txn_id"]: r for r in BankDataset().transactions if r["booking_date"] == day}
    got = {t["transaction_id"]: t for t in body["data"]}
    assert set(got) == set(expected)
    for txn_id, row in expected.items():
        amount = Decimal(got[txn_id]["amount"]["amount"])
        assert amount == (-1 if row["direction"] == "D" else 1) * Decimal(row["amount"])
        assert got[txn_id]["description"] == row["description"]
        assert got[txn_id]["counterparty"] == (row["counterparty"] or None)


def test_batch_transactions_for_one_account_and_file(gateway: ServedApp,
                                                     emulator: SftpEmulator) -> None:
    day = emulator.published[0]
    partner = PARTNERS[1]
    rows = emulator.book.rows(partner, day)
    account = rows[0]["account_id"]
    with gateway.client("compliance") as client:
        reply = client.post("/tools/get_batch_transactions", json={
            "file_id": f"{partner.name}/{file_name(partner, day)}", "account_id": account})
        assert reply.status_code == 200, reply.text
        assert sorted(t["transaction_id"] for t in reply.json()["data"]) == sorted(
            r["txn_id"] for r in rows if r["account_id"] == account)
        missing = client.post("/tools/get_batch_transactions",
                              json={"file_id": "clearing/STL_CLEARING_19990101.DAT"})
        assert missing.status_code == 404
        both = client.post("/tools/get_batch_transactions",
                           json={"file_id": "clearing/X.DAT", "date": "2026-11-30"})
        assert both.status_code == 422
        traversal = client.post("/tools/get_batch_transactions",
                                json={"file_id": "clearing/../../etc/passwd"})
        assert traversal.status_code == 422


def test_truncated_file_is_refused_with_a_reason(gateway: ServedApp,
                                                 emulator: SftpEmulator) -> None:
    day = emulator.published[0]
    partner = PARTNERS[0]
    emulator.publish_truncated(partner, day, keep=153 * 3)
    with gateway.client("compliance") as client:
        reply = client.post("/tools/get_batch_transactions", json={
            "file_id": f"{partner.name}/{file_name(partner, day)}"})
    assert reply.status_code == 502
    assert "trailer" in reply.json()["error"]["message"]


def test_submit_payment_batch_writes_one_ebcdic_file_once(gateway: ServedApp,
                                                          emulator: SftpEmulator) -> None:
    args = {"payments": PAYMENTS, "idempotency_key": "pay-2026-12-07-001"}
    with gateway.client("admin") as client:
        first = client.post("/tools/submit_payment_batch", json=args)
        again = client.post("/tools/submit_payment_batch", json=args)
        other = client.post("/tools/submit_payment_batch",
                            json={**args, "payments": PAYMENTS[:1]})
    assert first.status_code == 200, first.text
    receipt = first.json()["data"]
    assert receipt["record_count"] == 2 and Decimal(receipt["hash_total"]) == Decimal("1350.50")
    assert again.status_code == 200 and again.json()["data"]["batch_id"] == receipt["batch_id"]
    assert again.json()["warnings"], "a replayed key is flagged"
    assert other.status_code == 422
    inbox = sorted(p.name for p in (emulator.root / "clearing" / "inbox").iterdir())
    assert inbox == [receipt["file_id"].split("/")[1]]
    data = (emulator.root / "clearing" / "inbox" / inbox[0]).read_bytes()
    assert len(data) % 140 == 0 and data[:1] == b"\xc8"  # 'H' in cp037
    from adapters.settlements.files import payment_spec
    details, reader = read_batch(io.BytesIO(data), payment_spec())
    assert [d.values["PAY-CREDITOR-NAME"] for d in details] == ["ACME Supplies", "Zoë Café"]
    assert reader.totals.status == "verified"


def test_compliance_may_not_submit_payments(gateway: ServedApp) -> None:
    with gateway.client("compliance") as client:
        reply = client.post("/tools/submit_payment_batch",
                            json={"payments": PAYMENTS, "idempotency_key": "pay-000000001"})
    assert reply.status_code in (403, 404)


def test_settlement_and_database_report_the_same_transactions(
        emulator: SftpEmulator, sqlite_bank: Any, roles: dict[str, list[str]]) -> None:
    from tests.conftest import odbc_system
    from tests.sftp.conftest import secrets_for, settings_for

    day = emulator.published[-1]
    rows = [r for p in PARTNERS for r in emulator.book.rows(p, day)]
    account = max({r["account_id"] for r in rows},
                  key=lambda a: sum(r["account_id"] == a for r in rows))
    systems = {**odbc_system(sqlite_bank),
               "settlements": {"bridge": "sftp", **settings_for(emulator)}}
    with serve_gateway(systems, roles, secrets=secrets_for(emulator)) as served, \
            served.client("compliance") as client:
        batch = client.post("/tools/get_batch_transactions",
                            json={"date": day.isoformat(), "account_id": account})
        database = client.post("/tools/get_recent_transactions",
                               json={"account_id": account, "since": day.isoformat(),
                                     "limit": 500})
    assert batch.status_code == 200 and database.status_code == 200, (batch.text, database.text)
    same_day = [t for t in database.json()["data"] if t["booking_date"] == day.isoformat()]
    assert batch.json()["data"], "the account has settled transactions that day"
    key = lambda t: t["transaction_id"]  # noqa: E731
    assert sorted(batch.json()["data"], key=key) == sorted(same_day, key=key)
