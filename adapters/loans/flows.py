"""The loans portal's page flows, as data: where to click, what to type, what to read."""

from __future__ import annotations

from bridges.pageflow import (
    Arg,
    Click,
    ExtractField,
    ExtractFields,
    ExtractTable,
    Fill,
    Flow,
    Goto,
    Select,
    Step,
    StopIf,
    WaitFor,
)

CONTENT = "content"  # the portal's work area is an iframe of this name
LOAN_COLUMNS = {
    "loan_id": "Loan No.", "product_code": "Product", "principal": "Principal",
    "outstanding": "Outstanding", "currency": "Ccy", "rate": "Rate %", "term": "Term",
    "start": "Start Date", "status": "Status",
}


def open_app(key: str) -> tuple[Step, ...]:
    """From the main menu to one application's form: the menu navigates by JavaScript.
    (No wait for the form: the next Fill waits for its field itself.)"""
    return (Goto("/main", stay=True),
            Click(f"#nav-{key}", navigates=True, target=CONTENT))


def submit(result_selector: str) -> tuple[Step, ...]:
    """Submit the form; read the portal's error message and stop there if it shows one."""
    return (Click("#submit", navigates=True, frame=CONTENT),
            WaitFor(selector=f"{result_selector}, #error", frame=CONTENT),
            ExtractField("error", "#error", required=False, frame=CONTENT),
            StopIf("error"))


def fields(names: dict[str, str]) -> tuple[Step, ...]:
    """Detail-table cells: field name -> the cell's id suffix (`#f-<suffix>`)."""
    return (ExtractFields({name: f"#f-{cell}" for name, cell in names.items()},
                          frame=CONTENT),)


def amount_form() -> tuple[Step, ...]:
    return (Fill("#custid", Arg("customer_id"), frame=CONTENT),
            Fill("#amount", Arg("amount"), frame=CONTENT),
            Select("#term", Arg("term_months"), frame=CONTENT))


CUSTOMER_LOANS = Flow("customer-loans", (
    *open_app("loans"),
    Fill("#custid", Arg("customer_id"), frame=CONTENT),
    *submit("#loans"),
    ExtractFields({"borrower": "#borrower", "customer_id": "#custno"}, frame=CONTENT),
    ExtractTable("loans", "#loans", LOAN_COLUMNS, next_page="#next", frame=CONTENT),
))

LOAN_STATUS = Flow("loan-status", (
    *open_app("status"),
    Fill("#loanid", Arg("loan_id"), frame=CONTENT),
    *submit("#loan"),
    *fields({"loan_id": "loanid", "customer_id": "custno", "borrower": "borrower",
             "product_code": "product", "principal": "principal",
             "outstanding": "outstanding", "currency": "ccy", "rate": "rate", "term": "term",
             "start": "start", "status": "status", "purpose": "purpose"}),
))

ELIGIBILITY = Flow("eligibility", (
    *open_app("eligibility"),
    *amount_form(),
    *submit("#result"),
    *fields({"customer_id": "custno", "eligible": "eligible", "reason": "reason",
             "product_code": "product", "amount": "amount", "term": "term",
             "max_amount": "maxamount", "rate": "rate", "instalment": "instalment",
             "currency": "ccy"}),
))

APPLY = Flow("apply", (
    *open_app("apply"),
    *amount_form(),
    Fill("#purpose", Arg("purpose"), frame=CONTENT),
    *submit("#receipt"),
    *fields({"application_id": "appno", "customer_id": "custno", "amount": "amount",
             "currency": "ccy", "term": "term", "purpose": "purpose", "status": "status",
             "reason": "reason", "loan_id": "loanid", "submitted": "submitted"}),
))
