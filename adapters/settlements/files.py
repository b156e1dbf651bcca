"""Settlement batch files as data: which partner sends what, in which layout, and how a
settlement detail record becomes the same transaction@1 the core banking database reports."""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from adapters.core_transactions import transaction_from_row
from bridges.errors import MappingError, NotFound
from bridges.records import ControlTotals, DecodedRecord, ErrorPolicy, FileSpec, RecordFormat
from bridges.records.batch import BatchReader
from canonical.entities.transaction import TransactionV1

SYSTEM = "settlements"
FILE_ID_PATTERN = r"^(?P<partner>[a-z][a-z0-9-]{0,31})/(?P<name>[A-Za-z0-9][A-Za-z0-9._-]{0,63})$"
FILE_ID = re.compile(FILE_ID_PATTERN)
BUSINESS_DATE = re.compile(r"_(\d{8})\.DAT$")


@dataclass(frozen=True)
class PartnerFiles:
    """One partner's inbound settlement files."""

    folder: str  # remote folder, relative to the system's root
    codepage: str
    format: RecordFormat


PARTNERS = {
    "clearing": PartnerFiles("clearing/outbox", "cp037", RecordFormat.FIXED),
    "cardnet": PartnerFiles("cardnet/outbox", "cp500", RecordFormat.RDW),
}
OUTBOUND_PARTNER, OUTBOUND_FOLDER = "clearing", "clearing/inbox"
SETTLEMENT_CONTROL = ControlTotals("STL-RECORD-COUNT", "STL-AMOUNT-TOTAL", "STL-AMOUNT")
PAYMENT_CONTROL = ControlTotals("PAY-RECORD-COUNT", "PAY-AMOUNT-TOTAL", "PAY-AMOUNT")


def copybook(name: str) -> str:
    """A layout the partners and we agreed on: fixtures/batch (or under MAINBRIDGE_FIXTURES)."""
    override = os.environ.get("MAINBRIDGE_FIXTURES")
    base = Path(override) if override else Path(__file__).resolve().parents[2] / "fixtures"
    return (base / "batch" / name).read_text(encoding="utf-8")


@lru_cache(maxsize=8)
def settlement_spec(partner: str) -> FileSpec:
    facts = PARTNERS[partner]
    return FileSpec.from_copybook(copybook("STLREC.cpy"), codepage=facts.codepage,
                                  format=facts.format, control=SETTLEMENT_CONTROL,
                                  policy=ErrorPolicy.QUARANTINE, max_quarantined=10)


@lru_cache(maxsize=1)
def payment_spec() -> FileSpec:
    return FileSpec.from_copybook(copybook("PAYREC.cpy"), codepage="cp037",
                                  format=RecordFormat.FIXED, control=PAYMENT_CONTROL)


def parse_file_id(file_id: str) -> tuple[str, str]:
    match = FILE_ID.match(file_id)
    if not match or (match["partner"] not in PARTNERS and match["partner"] != OUTBOUND_PARTNER):
        raise NotFound(f"batch file {file_id} not found", system=SYSTEM)
    return match["partner"], match["name"]


def business_date(name: str) -> date | None:
    match = BUSINESS_DATE.search(name)
    if not match:
        return None
    try:
        return date(int(match[1][:4]), int(match[1][4:6]), int(match[1][6:]))
    except ValueError:
        return None


def _day(value: Any, field: str) -> date | None:
    if value in (None, 0):
        return None
    try:
        return date(value // 10000, value // 100 % 100, value % 100)
    except (TypeError, ValueError):
        raise MappingError(f"{field} = {value!r} is not a YYYYMMDD date") from None


def transaction(record: DecodedRecord) -> TransactionV1:
    """The settlement detail as a TXNHIST row, mapped by the ODBC adapter's own function."""
    v = record.values
    row = {"TXN_ID": v["STL-TXN-ID"], "ACCT_NO": v["STL-ACCT-NO"],
           "BOOK_DT": _day(v["STL-BOOK-DATE"], "STL-BOOK-DATE"),
           "VALUE_DT": _day(v["STL-VALUE-DATE"], "STL-VALUE-DATE"),
           "TXN_TYP": v["STL-TXN-TYPE"], "DR_CR_IND": v["STL-DR-CR"],
           "TXN_AMT": Decimal(v["STL-AMOUNT"]), "CCY_CD": v["STL-CURRENCY"],
           "TXN_DESC": v["STL-DESCRIPTION"], "CPTY_NAME": v["STL-COUNTERPARTY"],
           "TXN_TYP_DSC": v["STL-TXN-TYPE-DESC"] or None}
    if row["DR_CR_IND"] not in ("D", "C"):
        raise MappingError(f"record {record.index}: STL-DR-CR {row['DR_CR_IND']!r} is not D/C")
    return transaction_from_row(row)


def decode_settlement(partner: str, data: bytes) -> tuple[list[DecodedRecord], BatchReader]:
    reader = BatchReader(settlement_spec(partner))
    return list(reader.records(io.BytesIO(data))), reader
