"""Transaction: one booked movement on an account, whichever system reported it."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from canonical.base import CanonicalModel, Identifier, Money
from canonical.registry import registry


@registry.register
class TransactionV1(CanonicalModel):
    entity = "transaction"
    schema_version = 1

    version: Literal[1] = 1
    transaction_id: Identifier
    account_id: Identifier
    booking_date: date
    value_date: date | None = None
    amount: Money = Field(description="Signed: negative for a debit, positive for a credit")
    direction: Literal["debit", "credit"]
    type_code: str = Field(description="The legacy transaction-type code, e.g. 'ATM'")
    type_description: str | None = None
    description: str = ""
    counterparty: str | None = None


@registry.register
class TransactionSummaryV1(CanonicalModel):
    entity = "transaction_summary"
    schema_version = 1

    version: Literal[1] = 1
    account_id: Identifier
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    count: int = Field(ge=0)
    debits: Money = Field(description="Sum of debits as a positive amount")
    credits: Money
    net: Money
