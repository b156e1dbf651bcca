"""Loans portal tools (legacy web, scraped with Chromium): loans, status, eligibility, apply."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from adapters.kit import Contract, ToolContext
from adapters.kit.browser import (
    LATIN1_TEXT,
    BrowserTool,
    dmy_date,
    dmy_datetime,
    legacy_decimal,
    legacy_int,
    text_of,
)
from adapters.loans.flows import APPLY, CUSTOMER_LOANS, ELIGIBILITY, LOAN_STATUS
from bridges.errors import MappingError, NotFound
from bridges.pageflow import PageResult
from canonical import CanonicalModel, Money
from canonical.entities.loan import ApplicationV1, EligibilityV1, LoanV1

SYSTEM = "loans"
PORTAL_TZ = UTC  # the portal prints naive times; its app server runs on UTC
LOAN_STATUSES = {"ACTIVE": "active", "IN ARREARS": "arrears", "PAID OFF": "paid_off",
                 "PENDING": "pending"}
APPLICATION_STATUSES = {"PENDING": "pending", "DECLINED": "declined"}
Term = Literal[12, 24, 36, 48, 60, 84, 120, 180, 240, 300, 360]
CustomerId = Annotated[str, Field(pattern=r"^C\d{6}$", examples=["C000001"])]
LoanId = Annotated[str, Field(pattern=r"^L\d{7}$", examples=["L0000001"])]
Amount = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2,
                                  description="In the customer's currency", examples=["10000"])]


def code(table: dict[str, str], text: str | None, what: str) -> str:
    """A portal label as our code; an unknown label is a MappingError, not a guess."""
    try:
        return table[(text or "").strip().upper()]
    except KeyError:
        raise MappingError(f"{what}: unknown value {text!r}") from None


def money(text: str | None, currency: str, what: str) -> Money:
    return Money(amount=legacy_decimal(text, what), currency=currency)


def loan_from(record: dict[str, str | None], borrower: str, customer_id: str) -> LoanV1:
    currency = text_of_record(record, "currency")
    return LoanV1(
        loan_id=text_of_record(record, "loan_id"), customer_id=customer_id,
        borrower_name=borrower, product_code=text_of_record(record, "product_code"),
        principal=money(record.get("principal"), currency, "principal"),
        outstanding=money(record.get("outstanding"), currency, "outstanding"),
        interest_rate_pct=legacy_decimal(record.get("rate"), "rate"),
        term_months=legacy_int(record.get("term"), "term"),
        start_date=dmy_date(record.get("start"), "start date"),
        status=code(LOAN_STATUSES, record.get("status"), "loan status"),
        purpose=record.get("purpose") or None)


def text_of_record(record: dict[str, str | None], name: str) -> str:
    value = record.get(name)
    if not value:
        raise MappingError(f"{name} is empty on the page")
    return value


class CustomerLoansParams(BaseModel):
    customer_id: CustomerId


class ListLoans(BrowserTool[CustomerLoansParams]):
    name = "list_loans"
    description = "Every loan of one customer (any status, pending applications included)."
    Params = CustomerLoansParams
    returns = "loan@1"
    many = True
    system = SYSTEM
    contract = Contract(happy={"customer_id": "C000001"},
                        not_found={"customer_id": "C999999"})
    cache_ttl_s = 30.0  # scraping costs ~0.25 s; a fresh application may lag by this much
    timeout_s = 20.0
    flow = CUSTOMER_LOANS

    def args(self, params: CustomerLoansParams) -> dict[str, str]:
        return {"customer_id": params.customer_id}

    def on_error(self, message: str, params: CustomerLoansParams) -> None:
        raise NotFound(f"customer {params.customer_id} not found", system=SYSTEM)

    def to_canonical(self, result: PageResult, params: CustomerLoansParams,
                     ctx: ToolContext) -> list[CanonicalModel]:
        if text_of(result, "customer_id") != params.customer_id:
            raise MappingError(f"the portal showed customer {result.fields['customer_id']}, "
                               f"not {params.customer_id}")
        borrower = text_of(result, "borrower")
        return [loan_from(dict(row), borrower, params.customer_id)
                for row in result.tables.get("loans", [])]


class LoanStatusParams(BaseModel):
    loan_id: LoanId


class GetLoanStatus(BrowserTool[LoanStatusParams]):
    name = "get_loan_status"
    description = "One loan's status, balance and terms, by loan number."
    Params = LoanStatusParams
    returns = "loan@1"
    system = SYSTEM
    contract = Contract(happy={"loan_id": "L0000001"}, not_found={"loan_id": "L0999999"})
    cache_ttl_s = 0.0  # the status question is "right now", e.g. just after an application
    timeout_s = 20.0
    flow = LOAN_STATUS

    def args(self, params: LoanStatusParams) -> dict[str, str]:
        return {"loan_id": params.loan_id}

    def on_error(self, message: str, params: LoanStatusParams) -> None:
        raise NotFound(f"loan {params.loan_id} not found", system=SYSTEM)

    def to_canonical(self, result: PageResult, params: LoanStatusParams,
                     ctx: ToolContext) -> CanonicalModel:
        loan = loan_from(result.fields, text_of(result, "borrower"),
                         text_of(result, "customer_id"))
        if loan.loan_id != params.loan_id:
            raise MappingError(f"the portal showed loan {loan.loan_id}, not {params.loan_id}")
        return loan


class EligibilityParams(BaseModel):
    customer_id: CustomerId
    amount: Amount
    term_months: Term


F = TypeVar("F", bound=EligibilityParams)


class LoanRequestTool(BrowserTool[F], Generic[F]):
    """The portal's forms about one customer's loan request: same fields, same errors."""

    def args(self, params: F) -> dict[str, str]:
        return {"customer_id": params.customer_id, "amount": f"{params.amount:.2f}",
                "term_months": str(params.term_months)}

    def on_error(self, message: str, params: F) -> None:
        if "NOT FOUND" in message:
            raise NotFound(f"customer {params.customer_id} not found", system=SYSTEM)
        super().on_error(message, params)


class CheckLoanEligibility(LoanRequestTool[EligibilityParams]):
    name = "check_loan_eligibility"
    description = ("Whether a customer may borrow an amount over a term, the most they may "
                   "borrow, the rate and the monthly instalment. Real-time, never cached.")
    Params = EligibilityParams
    returns = "eligibility@1"
    system = SYSTEM
    contract = Contract(
        happy={"customer_id": "C000001", "amount": "10000", "term_months": 36},
        not_found={"customer_id": "C999999", "amount": "10000", "term_months": 36},
        volatile=("data.checked_at",))
    timeout_s = 20.0
    flow = ELIGIBILITY

    def to_canonical(self, result: PageResult, params: EligibilityParams,
                     ctx: ToolContext) -> CanonicalModel:
        f = result.fields
        currency = text_of(result, "currency")
        return EligibilityV1(
            customer_id=text_of(result, "customer_id"),
            eligible=code({"YES": "y", "NO": ""}, f.get("eligible"), "eligible") == "y",
            reason=text_of(result, "reason").capitalize(),
            product_code=text_of(result, "product_code"),
            amount=money(f.get("amount"), currency, "amount"),
            term_months=legacy_int(f.get("term"), "term"),
            max_amount=money(f.get("max_amount"), currency, "maximum amount"),
            interest_rate_pct=legacy_decimal(f.get("rate"), "rate"),
            monthly_payment=money(f.get("instalment"), currency, "instalment"),
            checked_at=ctx.now())


class ApplicationParams(EligibilityParams):
    purpose: str = Field(min_length=1, max_length=60, pattern=LATIN1_TEXT,
                         examples=["Kitchen renovation"])
    idempotency_key: str = Field(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$",
                                 description="Same key, same application: retries are safe")


class SubmitLoanApplication(LoanRequestTool[ApplicationParams]):
    name = "submit_loan_application"
    description = ("File a loan application. An eligible one opens a pending loan that "
                   "list_loans and get_loan_status then show. Deduplicated by idempotency_key.")
    Params = ApplicationParams
    returns = "application@1"
    system = SYSTEM
    contract = Contract(
        happy={"customer_id": "C000001", "amount": "5000", "term_months": 24,
               "purpose": "Contract check", "idempotency_key": "contract-apply-0001"},
        not_found={"customer_id": "C999999", "amount": "5000", "term_months": 24,
                   "purpose": "Contract check", "idempotency_key": "contract-apply-0404"},
        volatile=("data.application_id", "data.loan_id", "data.submitted_at"))
    timeout_s = 30.0
    idempotent = False  # a write: never retried blindly
    idempotency_key = "idempotency_key"
    flow = APPLY

    def args(self, params: ApplicationParams) -> dict[str, str]:
        return {**super().args(params), "purpose": params.purpose}

    def to_canonical(self, result: PageResult, params: ApplicationParams,
                     ctx: ToolContext) -> CanonicalModel:
        f = result.fields
        currency = text_of(result, "currency")
        return ApplicationV1(
            application_id=text_of(result, "application_id"),
            customer_id=text_of(result, "customer_id"),
            amount=money(f.get("amount"), currency, "amount"),
            term_months=legacy_int(f.get("term"), "term"),
            purpose=text_of(result, "purpose"),
            status=code(APPLICATION_STATUSES, f.get("status"), "application status"),
            reason=text_of(result, "reason").capitalize(),
            loan_id=f.get("loan_id") or None,
            submitted_at=dmy_datetime(f.get("submitted"), "submitted", PORTAL_TZ))


TOOLS = [ListLoans, GetLoanStatus, CheckLoanEligibility, SubmitLoanApplication]
