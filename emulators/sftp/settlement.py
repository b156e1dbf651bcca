"""Nightly settlement files built from the reference bank's transactions, one per partner/day.

Layout: fixtures/batch/STLREC.cpy (header 'H', detail 'D', trailer 'T'). Each partner settles
some transaction types: the clearing house gets fixed-length cp037 files, the card network
variable-length (RDW) cp500 files. Files are named STL_<PARTNER>_<YYYYMMDD>.DAT.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from emulators.dataset import BankDataset, Row
from emulators.sftp import ebcdic as e

DETAIL_LENGTH = 153  # LRECL of the fixed-length files: the longest record


@dataclass(frozen=True)
class Partner:
    name: str
    types: frozenset[str]  # transaction types this partner settles
    codepage: str
    variable: bool  # RDW records instead of fixed length


PARTNERS = (
    Partner("clearing", frozenset({"DD", "FEE", "SAL", "SEPI", "SEPO", "INT"}), "cp037",
            variable=False),
    Partner("cardnet", frozenset({"ATM", "POS"}), "cp500", variable=True),
)


def file_name(partner: Partner, day: date) -> str:
    return f"STL_{partner.name.upper()}_{day:%Y%m%d}.DAT"


def _day(text: str) -> int:
    return int(text.replace("-", "")) if text else 0


def header(partner: Partner, day: date) -> bytes:
    cp = partner.codepage
    return (e.text("H", 1, cp) + e.text(f"{partner.name.upper()}-{day:%Y%m%d}", 24, cp)
            + e.text(partner.name.upper(), 10, cp) + e.unsigned_zoned(_day(day.isoformat()), 8)
            + e.text(f"{day.isoformat()}T23:30:00Z", 20, cp) + e.unsigned_zoned(1, 2))


def detail(row: Row, seq: int, type_names: dict[str, str], codepage: str) -> bytes:
    cp = codepage
    return (e.text("D", 1, cp) + e.text(row["txn_id"], 16, cp) + e.text(row["account_id"], 10, cp)
            + e.unsigned_zoned(_day(row["booking_date"]), 8)
            + e.unsigned_zoned(_day(row["value_date"]), 8) + e.text(row["type_code"], 4, cp)
            + e.text(type_names.get(row["type_code"], ""), 20, cp)
            + e.text(row["direction"], 1, cp)
            + e.packed(Decimal(row["amount"]), 15, 2, signed=False)
            + e.text(row["currency"], 3, cp) + e.text(row["description"], 40, cp)
            + e.text(row["counterparty"], 30, cp) + e.binary(seq, 4))


def trailer(rows: list[Row], codepage: str) -> bytes:
    total = sum((Decimal(r["amount"]) for r in rows), Decimal(0))
    net = sum((Decimal(r["amount"]) * (-1 if r["direction"] == "D" else 1) for r in rows),
              Decimal(0))
    return (e.text("T", 1, codepage) + e.unsigned_zoned(len(rows), 9)
            + e.signed_zoned(total, 17, 2) + e.leading_separate(net, 17, 2))


class SettlementBook:
    """Which transactions each partner settles on each day, and the file bytes."""

    def __init__(self, dataset: BankDataset | None = None) -> None:
        self.dataset = dataset or BankDataset()
        self.type_names = {t["type_code"]: t["description"]
                           for t in self.dataset.transaction_types}
        self.days = sorted({date.fromisoformat(r["booking_date"])
                            for r in self.dataset.transactions})

    def rows(self, partner: Partner, day: date) -> list[Row]:
        wanted = day.isoformat()
        return [r for r in self.dataset.transactions
                if r["booking_date"] == wanted and r["type_code"] in partner.types]

    def file(self, partner: Partner, day: date) -> bytes:
        rows = self.rows(partner, day)
        records = [header(partner, day)]
        records += [detail(r, i, self.type_names, partner.codepage)
                    for i, r in enumerate(rows, 1)]
        records.append(trailer(rows, partner.codepage))
        if partner.variable:
            return b"".join(e.rdw(r) for r in records)
        pad = e.text(" ", 1, partner.codepage)
        return b"".join(r.ljust(DETAIL_LENGTH, pad) for r in records)
