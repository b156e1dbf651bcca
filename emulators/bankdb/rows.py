"""The reference bank turned into the legacy tables' rows (codes, YYYYMMDD, padded CHAR)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from emulators.dataset import BankDataset, fixtures_dir

SEGMENT_CODES = {"retail": "R", "premium": "P", "business": "B"}
ACCOUNT_TYPES = {"checking": "CHK", "savings": "SAV", "card": "CRD", "loan": "LON"}
STATUS_CODES = {"open": "O", "blocked": "B", "closed": "C"}
CATEGORY_CODES = {"account": "ACC", "savings": "SAV", "loan": "LON", "card": "CRD",
                  "insurance": "INS"}
Value = str | int | None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    char_widths: dict[str, int]  # CHAR(n) columns, padded to n as DB2 exports them


TABLES = {
    "CUSTMAST": Table("CUSTMAST", ("CUST_ID", "CUST_FNAME", "CUST_LNAME", "SEG_CD", "CNTRY_CD",
                                   "BIRTH_DT"),
                      {"CUST_ID": 8, "CUST_FNAME": 20, "CUST_LNAME": 30, "SEG_CD": 1,
                       "CNTRY_CD": 2}),
    "ACCTMAST": Table("ACCTMAST", ("ACCT_NO", "CUST_ID", "ACCT_TYP", "PROD_CD", "CCY_CD",
                                   "ACCT_STAT", "OPEN_DT", "OPEN_BAL", "OD_LIMIT"),
                      {"ACCT_NO": 10, "CUST_ID": 8, "ACCT_TYP": 3, "PROD_CD": 10, "CCY_CD": 3,
                       "ACCT_STAT": 1}),
    "TXNTYPE": Table("TXNTYPE", ("TXN_TYP", "TXN_TYP_DSC", "DR_CR_IND"),
                     {"TXN_TYP": 4, "TXN_TYP_DSC": 30, "DR_CR_IND": 1}),
    "TXNHIST": Table("TXNHIST", ("TXN_ID", "ACCT_NO", "BOOK_DT", "VALUE_DT", "TXN_TYP",
                                 "DR_CR_IND", "TXN_AMT", "CCY_CD", "TXN_DESC", "CPTY_NAME",
                                 "CHG_SEQ"),
                     {"TXN_ID": 16, "ACCT_NO": 10, "TXN_TYP": 4, "DR_CR_IND": 1, "CCY_CD": 3,
                      "TXN_DESC": 40, "CPTY_NAME": 35}),
    "PRODMAST": Table("PRODMAST", ("PROD_CD", "PROD_NAME", "PROD_CAT", "PROD_DESC", "CCY_CD",
                                   "ACTV_FLG"),
                      {"PROD_CD": 10, "PROD_NAME": 50, "PROD_CAT": 3, "CCY_CD": 3,
                       "ACTV_FLG": 1}),
    "PRICETAB": Table("PRICETAB", ("PROD_CD", "SEG_CD", "INT_RATE", "MTHLY_FEE", "SETUP_FEE",
                                   "DISC_PCT"), {"PROD_CD": 10, "SEG_CD": 1}),
}


def schema_sql() -> str:
    return (fixtures_dir() / "odbc" / "schema.sql").read_text(encoding="utf-8")


def yyyymmdd(iso: str | None) -> int:
    return int(iso.replace("-", "")) if iso else 0


def _rows(data: BankDataset, table: str) -> Iterator[tuple[Value, ...]]:
    if table == "CUSTMAST":
        for c in data.customers:
            yield (c["customer_id"], c["first_name"], c["last_name"],
                   SEGMENT_CODES[c["segment"]], c["country"], yyyymmdd(c["date_of_birth"]))
    elif table == "ACCTMAST":
        for a in data.accounts:
            yield (a["account_id"], a["customer_id"], ACCOUNT_TYPES[a["account_type"]],
                   a["product_code"], a["currency"], STATUS_CODES[a["status"]],
                   yyyymmdd(a["opened_on"]), a["opening_balance"], a["overdraft_limit"])
    elif table == "TXNTYPE":
        for t in data.transaction_types:
            yield t["type_code"], t["description"], t["direction"]
    elif table == "TXNHIST":
        for seq, t in enumerate(data.transactions, start=1):
            yield (t["txn_id"], t["account_id"], yyyymmdd(t["booking_date"]),
                   yyyymmdd(t["value_date"]), t["type_code"], t["direction"], t["amount"],
                   t["currency"], t["description"], t["counterparty"], seq)
    elif table == "PRODMAST":
        for p in data.products:
            yield (p["product_code"], p["name"], CATEGORY_CODES[p["category"]],
                   p["description"], "EUR", "Y" if p["active"] else "N")
    elif table == "PRICETAB":
        for p in data.prices:
            yield (p["product_code"], SEGMENT_CODES[p["segment"]], p["interest_rate_pct"],
                   p["monthly_fee"], p["setup_fee"], p["discount_pct"])


def table_rows(table: str, data: BankDataset, pad_char: bool) -> list[tuple[Value, ...]]:
    """Rows of one legacy table; `pad_char` pads CHAR(n) values for engines that do not."""
    spec = TABLES[table]
    widths = [spec.char_widths.get(col) for col in spec.columns]
    out = []
    for row in _rows(data, table):
        if pad_char:
            row = tuple(v.ljust(w) if w and isinstance(v, str) else v
                        for v, w in zip(row, widths, strict=True))
        out.append(row)
    return out
