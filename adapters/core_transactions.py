"""Core banking's transaction history (ODBC): recent transactions, summaries, monitoring."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import BaseModel, Field

from adapters.kit import Contract, Tool, ToolContext
from adapters.kit.sql import SqlTool, fetch_rows
from bridges.errors import NotFound
from bridges.odbc import ColumnType, Param, Row, Statement
from canonical import CanonicalModel, Money
from canonical.entities.balance import BalanceV1
from canonical.entities.transaction import TransactionSummaryV1, TransactionV1

SYSTEM = "bankdb"
AccountId = Annotated[str, Field(pattern=r"^\d{10}$", description="10-digit account number",
                                 examples=["1000000001"])]

TXN_COLUMNS = {
    "TXN_ID": ColumnType.CHAR, "ACCT_NO": ColumnType.CHAR, "BOOK_DT": ColumnType.YYYYMMDD,
    "VALUE_DT": ColumnType.YYYYMMDD, "TXN_TYP": ColumnType.CHAR, "DR_CR_IND": ColumnType.CHAR,
    "TXN_AMT": ColumnType.DECIMAL, "CCY_CD": ColumnType.CHAR, "TXN_DESC": ColumnType.CHAR,
    "CPTY_NAME": ColumnType.CHAR, "TXN_TYP_DSC": ColumnType.CHAR,
}
TXN_SELECT = (
    "SELECT t.TXN_ID, t.ACCT_NO, t.BOOK_DT, t.VALUE_DT, t.TXN_TYP, t.DR_CR_IND, t.TXN_AMT, "
    "t.CCY_CD, t.TXN_DESC, t.CPTY_NAME, y.TXN_TYP_DSC "
    "FROM TXNHIST t LEFT JOIN TXNTYPE y ON y.TXN_TYP = t.TXN_TYP "
)
ACCOUNT_EXISTS = Statement("SELECT ACCT_NO, CCY_CD FROM ACCTMAST WHERE ACCT_NO = ?",
                           {"ACCT_NO": ColumnType.CHAR, "CCY_CD": ColumnType.CHAR})


def yyyymmdd(day: date | None) -> int:
    return day.year * 10000 + day.month * 100 + day.day if day else 0


def transaction_from_row(row: Row) -> TransactionV1:
    debit = row["DR_CR_IND"] == "D"
    amount: Decimal = row["TXN_AMT"]
    # One validation of the whole document (Money nested as data): the hot path of monitoring.
    return TransactionV1.model_validate({
        "transaction_id": row["TXN_ID"], "account_id": row["ACCT_NO"],
        "booking_date": row["BOOK_DT"], "value_date": row["VALUE_DT"],
        "amount": {"amount": -amount if debit else amount, "currency": row["CCY_CD"]},
        "direction": "debit" if debit else "credit", "type_code": row["TXN_TYP"],
        "type_description": row["TXN_TYP_DSC"], "description": row["TXN_DESC"],
        "counterparty": row["CPTY_NAME"] or None,
    })


class RecentTransactionsParams(BaseModel):
    account_id: AccountId
    limit: int = Field(default=20, ge=1, le=500, description="Most recent first")
    since: date | None = Field(default=None, description="Only bookings on or after this day")


class GetRecentTransactions(SqlTool[RecentTransactionsParams]):
    name = "get_recent_transactions"
    description = "Recent booked transactions of one account, newest first."
    Params = RecentTransactionsParams
    returns = "transaction@1"
    many = True
    system = SYSTEM
    contract = Contract(happy={"account_id": "1000000001", "limit": 5},
                        not_found={"account_id": "9999999999"})
    cache_ttl_s = 30.0
    guard = ACCOUNT_EXISTS
    guard_not_found = "account {account_id} not found"
    statement = Statement(
        TXN_SELECT + "WHERE t.ACCT_NO = ? AND (? = 0 OR t.BOOK_DT >= ?) "
        "ORDER BY t.BOOK_DT DESC, t.TXN_ID DESC", TXN_COLUMNS)

    def bind_guard(self, params: RecentTransactionsParams) -> tuple[Param, ...]:
        return (params.account_id,)

    def bind(self, params: RecentTransactionsParams) -> tuple[Param, ...]:
        since = yyyymmdd(params.since)
        return params.account_id, since, since

    def max_rows(self, params: RecentTransactionsParams) -> int:
        return params.limit

    def to_canonical(self, row: Row, params: RecentTransactionsParams) -> CanonicalModel:
        return transaction_from_row(row)


class TransactionSummaryParams(BaseModel):
    account_id: AccountId
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-11"],
                       description="Calendar month, YYYY-MM")


class GetTransactionSummary(Tool[TransactionSummaryParams]):
    name = "get_transaction_summary"
    description = "Count, debits, credits and net of one account's bookings in one month."
    Params = TransactionSummaryParams
    returns = "transaction_summary@1"
    system = SYSTEM
    contract = Contract(happy={"account_id": "1000000001", "month": "2026-11"},
                        not_found={"account_id": "9999999999", "month": "2026-11"})
    cache_ttl_s = 60.0
    statement = Statement(
        "SELECT DR_CR_IND, TXN_AMT FROM TXNHIST WHERE ACCT_NO = ? AND BOOK_DT BETWEEN ? AND ?",
        {"DR_CR_IND": ColumnType.CHAR, "TXN_AMT": ColumnType.DECIMAL})

    async def run(self, params: TransactionSummaryParams, ctx: ToolContext) -> CanonicalModel:
        accounts = await fetch_rows(ctx, SYSTEM, ACCOUNT_EXISTS, (params.account_id,), 1)
        if not accounts:
            raise NotFound(f"account {params.account_id} not found", system=SYSTEM)
        currency = accounts[0]["CCY_CD"]
        first = int(params.month.replace("-", "")) * 100
        rows = await fetch_rows(ctx, SYSTEM, self.statement,
                                (params.account_id, first + 1, first + 31))
        # Summed here, exactly, in Decimal: SQLite would SUM a DECIMAL column in float.
        debits = sum((r["TXN_AMT"] for r in rows if r["DR_CR_IND"] == "D"), Decimal("0.00"))
        credits = sum((r["TXN_AMT"] for r in rows if r["DR_CR_IND"] == "C"), Decimal("0.00"))
        return TransactionSummaryV1(
            account_id=params.account_id, month=params.month, count=len(rows),
            debits=Money(amount=debits, currency=currency),
            credits=Money(amount=credits, currency=currency),
            net=Money(amount=credits - debits, currency=currency))


class LargeTransactionsParams(BaseModel):
    min_amount: Decimal = Field(gt=0, max_digits=15, decimal_places=2,
                                description="Threshold on the booked amount, any currency")
    since: date = Field(description="Only bookings on or after this day")
    limit: int = Field(default=100, ge=1, le=1000)


class FindLargeTransactions(SqlTool[LargeTransactionsParams]):
    name = "find_large_transactions"
    description = ("Transaction monitoring: bookings at or above an amount since a day, "
                   "largest first. For compliance.")
    Params = LargeTransactionsParams
    returns = "transaction@1"
    many = True
    system = SYSTEM
    contract = Contract(happy={"min_amount": "10000", "since": "2026-11-01"},
                        no_not_found="a search: no match is an empty list")
    cache_ttl_s = 0.0  # compliance data is never served from cache
    statement = Statement(
        TXN_SELECT + "WHERE t.TXN_AMT >= ? AND t.BOOK_DT >= ? ORDER BY t.TXN_AMT DESC, t.TXN_ID",
        TXN_COLUMNS)
    truncated: ClassVar[str] = "more than {limit} transactions match; raise min_amount or since"

    def bind(self, params: LargeTransactionsParams) -> tuple[Param, ...]:
        return params.min_amount, yyyymmdd(params.since)

    def max_rows(self, params: LargeTransactionsParams) -> int:
        return params.limit + 1

    def to_canonical(self, row: Row, params: LargeTransactionsParams) -> CanonicalModel:
        return transaction_from_row(row)

    def finish(self, models: list[CanonicalModel], params: LargeTransactionsParams,
               ctx: ToolContext) -> list[CanonicalModel]:
        if len(models) > params.limit:
            ctx.warn(self.truncated.format(limit=params.limit))
        return models[: params.limit]


class LedgerBalanceParams(BaseModel):
    account_id: AccountId


class GetLedgerBalance(Tool[LedgerBalanceParams]):
    """The balance as the transaction history implies it: a secondary source when the core
    system's screens are down. It cannot see holds, and says so."""

    name = "get_ledger_balance"
    description = ("Ledger balance of one account computed from its opening balance and booked "
                   "transactions (no holds: a fallback for get_account_balance).")
    Params = LedgerBalanceParams
    returns = "balance@1"
    system = SYSTEM
    contract = Contract(happy={"account_id": "1000000001"},
                        not_found={"account_id": "9999999999"}, volatile=("data.as_of",))
    cache_ttl_s = 30.0
    statement = Statement(
        "SELECT a.CCY_CD, a.OPEN_BAL, t.DR_CR_IND, t.TXN_AMT FROM ACCTMAST a "
        "LEFT JOIN TXNHIST t ON t.ACCT_NO = a.ACCT_NO WHERE a.ACCT_NO = ?",
        {"CCY_CD": ColumnType.CHAR, "OPEN_BAL": ColumnType.DECIMAL,
         "DR_CR_IND": ColumnType.CHAR, "TXN_AMT": ColumnType.DECIMAL})

    async def run(self, params: LedgerBalanceParams, ctx: ToolContext) -> CanonicalModel:
        rows = await fetch_rows(ctx, SYSTEM, self.statement, (params.account_id,))
        if not rows:
            raise NotFound(f"account {params.account_id} not found", system=SYSTEM)
        currency, opening = rows[0]["CCY_CD"], rows[0]["OPEN_BAL"]
        booked = sum((r["TXN_AMT"] if r["DR_CR_IND"] == "C" else -r["TXN_AMT"]
                      for r in rows if r["TXN_AMT"] is not None), Decimal("0.00"))
        ledger = Money(amount=opening + booked, currency=currency)
        ctx.warn("computed from the transaction history: holds are unknown to this source, "
                 "so available equals ledger")
        return BalanceV1(account_id=params.account_id, ledger=ledger, available=ledger,
                         holds=Money.zero(currency), as_of=ctx.now())


TOOLS = [GetRecentTransactions, GetTransactionSummary, FindLargeTransactions, GetLedgerBalance]
