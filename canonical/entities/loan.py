"""Loans: a loan, an eligibility check and a loan application (the loans portal's entities)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from canonical.base import AwareDatetime, CanonicalModel, Identifier, Money
from canonical.registry import registry

LoanStatus = Literal["pending", "active", "arrears", "paid_off"]


@registry.register
class LoanV1(CanonicalModel):
    entity = "loan"
    schema_version = 1

    version: Literal[1] = 1
    loan_id: Identifier
    customer_id: Identifier
    borrower_name: str = Field(min_length=1)
    product_code: Identifier
    principal: Money
    outstanding: Money
    interest_rate_pct: Decimal = Field(ge=0, description="Yearly, in percent")
    term_months: int = Field(ge=1)
    start_date: date
    status: LoanStatus = Field(description="pending: applied for, not yet paid out")
    purpose: str | None = Field(default=None, description="Known for loans applied for online")


@registry.register
class EligibilityV1(CanonicalModel):
    entity = "eligibility"
    schema_version = 1

    version: Literal[1] = 1
    customer_id: Identifier
    eligible: bool
    reason: str
    product_code: Identifier = Field(description="The product the term implies")
    amount: Money
    term_months: int = Field(ge=1)
    max_amount: Money = Field(description="The most this customer may borrow on this product")
    interest_rate_pct: Decimal = Field(ge=0)
    monthly_payment: Money
    checked_at: AwareDatetime


@registry.register
class ApplicationV1(CanonicalModel):
    entity = "application"
    schema_version = 1

    version: Literal[1] = 1
    application_id: Identifier
    customer_id: Identifier
    amount: Money
    term_months: int = Field(ge=1)
    purpose: str
    status: Literal["pending", "declined"]
    reason: str
    loan_id: Identifier | None = Field(default=None, description="The pending loan it opened")
    submitted_at: AwareDatetime
