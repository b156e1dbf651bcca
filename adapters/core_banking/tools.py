"""Core banking tools on CICS screens: balance inquiry, a customer's accounts, place a hold."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from adapters.core_banking.screens import (
    ACCOUNT_INQUIRY,
    CUSTOMER_ACCOUNTS,
    PLACE_HOLD,
    SYSTEM,
)
from adapters.kit import Contract, ToolContext
from adapters.kit.tn3270 import ScreenTool, screen_amount
from bridges.errors import MappingError
from bridges.tn3270 import FlowResult
from canonical import CanonicalModel, Money
from canonical.entities.account import AccountV1
from canonical.entities.balance import BalanceV1
from canonical.entities.hold import HoldV1

AccountId = Annotated[str, Field(pattern=r"^\d{10}$", description="10-digit account number",
                                 examples=["1000000001"])]
# What a 3270 field can take: printable Latin-1, no control characters (checked again by
# the bridge before anything reaches s3270).
ScreenText = Annotated[str, Field(min_length=1, max_length=40,
                                  pattern=r"^[\x20-\x7e\u00a0-\u00ff]+$")]


class AccountParams(BaseModel):
    account_id: AccountId


class GetAccountBalance(ScreenTool[AccountParams]):
    name = "get_account_balance"
    description = ("Ledger balance, holds and available amount of one account, live from the "
                   "core banking system.")
    Params = AccountParams
    returns = "balance@1"
    system = SYSTEM
    contract = Contract(
        happy={"account_id": "1000000001"}, not_found={"account_id": "9999999999"},
        volatile=("data.as_of",))
    flow = ACCOUNT_INQUIRY
    # When the mainframe is down: the balance the transaction database implies (no holds).
    fallbacks = ("get_ledger_balance",)

    def values(self, params: AccountParams) -> dict[str, str]:
        return {"account_id": params.account_id}

    def to_canonical(self, result: FlowResult, params: AccountParams,
                     ctx: ToolContext) -> CanonicalModel:
        v = result.values
        if v["account_id"] != params.account_id:
            raise MappingError(f"host showed account {v['account_id']!r}, "
                               f"not {params.account_id}", system=SYSTEM)
        try:
            as_of = datetime.strptime(v["as_of"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        except ValueError:
            raise MappingError(f"as_of: {v['as_of']!r} is not a timestamp") from None

        def money(name: str) -> Money:
            return Money(amount=screen_amount(v[name], name), currency=v["currency"])

        return BalanceV1(account_id=params.account_id, ledger=money("ledger"),
                         available=money("available"), holds=money("holds"), as_of=as_of)


class CustomerParams(BaseModel):
    customer_id: str = Field(pattern=r"^C\d{6}$", examples=["C000001"])


class ListAccounts(ScreenTool[CustomerParams]):
    name = "list_accounts"
    description = "Every account of one customer (all pages of the core system's list)."
    Params = CustomerParams
    returns = "account@1"
    many = True
    system = SYSTEM
    contract = Contract(happy={"customer_id": "C000001"},
                        not_found={"customer_id": "C999999"})
    cache_ttl_s = 60.0
    flow = CUSTOMER_ACCOUNTS

    def values(self, params: CustomerParams) -> dict[str, str]:
        return {"customer_id": params.customer_id}

    def to_canonical(self, result: FlowResult, params: CustomerParams,
                     ctx: ToolContext) -> list[CanonicalModel]:
        try:
            return [AccountV1(
                account_id=row["account_id"], customer_id=params.customer_id,
                account_type=row["type"].lower(), product_code=row["product"] or None,
                currency=row["currency"], status=row["status"].lower(),
                opened_on=date.fromisoformat(row["opened"]))
                for row in result.rows.get("accounts", [])]
        except ValueError as exc:
            raise MappingError(f"accounts list: {exc}", system=SYSTEM) from None


class HoldParams(BaseModel):
    account_id: AccountId
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2,
                            description="Amount to hold, in the account's currency")
    reason: ScreenText
    idempotency_key: str = Field(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$",
                                 description="The same key returns the first result")


class PlaceHold(ScreenTool[HoldParams]):
    name = "place_hold"
    description = ("Reserve an amount on an account (lowers what may be spent). A write: "
                   "never retried blindly; a repeated idempotency_key returns the first result.")
    Params = HoldParams
    returns = "hold@1"
    system = SYSTEM
    contract = Contract(
        happy={"account_id": "1000000008", "amount": "10.00", "reason": "Contract check",
               "idempotency_key": "contract-hold-0001"},
        not_found={"account_id": "9999999999", "amount": "10.00", "reason": "Contract check",
                   "idempotency_key": "contract-hold-0404"},
        volatile=("data.hold_id", "data.available_after", "data.placed_at"))
    idempotent = False
    idempotency_key = "idempotency_key"
    flow = PLACE_HOLD

    def values(self, params: HoldParams) -> dict[str, str]:
        return {"account_id": params.account_id, "amount": f"{params.amount:.2f}",
                "reason": params.reason}

    def to_canonical(self, result: FlowResult, params: HoldParams,
                     ctx: ToolContext) -> CanonicalModel:
        v = result.values
        currency = v["currency"]
        return HoldV1(hold_id=v["hold_id"], account_id=params.account_id,
                      amount=Money(amount=screen_amount(v["held"], "held"), currency=currency),
                      reason=params.reason,
                      available_after=Money(amount=screen_amount(v["available"], "available"),
                                            currency=currency),
                      placed_at=ctx.now())


TOOLS = [GetAccountBalance, ListAccounts, PlaceHold]
