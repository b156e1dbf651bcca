"""The portal's HTML, late-1990s style: table layouts, uppercase labels, ISO-8859-1."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from html import escape
from typing import Any

from emulators.web.portal import TERMS, Eligibility

Row = dict[str, Any]
STATUS_LABELS = {"active": "ACTIVE", "arrears": "IN ARREARS", "paid_off": "PAID OFF",
                 "pending": "PENDING", "declined": "DECLINED"}
LOAN_COLUMNS = ("Loan No.", "Product", "Principal", "Outstanding", "Ccy", "Rate %", "Term",
                "Start Date", "Status")


def amount(value: str | Decimal) -> str:
    return f"{Decimal(value):,.2f}"


def dmy(value: str) -> str:
    return date.fromisoformat(value).strftime("%d/%m/%Y")


def full_name(customer: Row) -> str:
    return f"{customer['first_name']} {customer['last_name']}"


def document(title: str, body: str, script: str = "") -> str:
    return (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<html><head>'
        '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
        f"<title>{escape(title)} - LoanMaster 2000</title>"
        f"<script type=\"text/javascript\">{script}</script></head>"
        f'<body bgcolor="#FFFFFF"><font face="Arial" size="2">{body}</font></body></html>')


def hidden_state(viewstate: str) -> str:
    return f'<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{escape(viewstate)}">'


def error_box(message: str | None) -> str:
    return f'<div class="error" id="error"><b>{escape(message)}</b></div>' if message else ""


def form(action: str, viewstate: str, rows: Iterable[tuple[str, str]], button: str,
         message: str | None = None) -> str:
    cells = "".join(f"<tr><td class=\"lbl\">{escape(label)}</td><td>{field}</td></tr>"
                    for label, field in rows)
    return (f'{error_box(message)}<form method="post" action="{action}" id="form">'
            f"{hidden_state(viewstate)}<table border=\"0\" cellpadding=\"2\">{cells}"
            f'<tr><td></td><td><input type="submit" id="submit" value="{escape(button)}">'
            "</td></tr></table></form>")


def text_input(name: str, value: str = "", size: int = 12) -> str:
    return (f'<input type="text" name="{name}" id="{name}" size="{size}" '
            f'value="{escape(value)}">')


def term_select(selected: int | None = None) -> str:
    options = "".join(f'<option value="{t}"{" selected" if t == selected else ""}>{t} MONTHS'
                      "</option>" for t in TERMS)
    return f'<select name="term" id="term">{options}</select>'


def login_page(viewstate: str, message: str | None = None) -> str:
    body = (
        '<table width="100%" height="80%"><tr><td align="center">'
        '<table border="1" cellpadding="8" bgcolor="#E0E0F0"><tr><td>'
        "<h3>LOANMASTER 2000 - SIGN ON</h3>"
        f'{error_box(message)}<form method="post" action="/login" id="login-form">'
        f"{hidden_state(viewstate)}<table>"
        f'<tr><td>USER ID</td><td>{text_input("username")}</td></tr>'
        '<tr><td>PASSWORD</td><td><input type="password" name="password" id="password" '
        'size="12"></td></tr></table>'
        '<input type="submit" id="signin" value="SIGN ON"></form></td></tr></table>'
        "</td></tr></table>")
    return document("Sign on", body)


MENU = (("loans", "Customer loans"), ("status", "Loan status"),
        ("eligibility", "Eligibility calculator"), ("apply", "New application"),
        ("report", "Portfolio report"))


def main_page(user: str) -> str:
    """The shell: a menu whose links navigate the content frame by JavaScript only."""
    links = "".join(f'<tr><td><a href="#" id="nav-{key}" onclick="go(\'{key}\'); '
                    f'return false;">{escape(label)}</a></td></tr>' for key, label in MENU)
    body = (
        '<table width="100%" border="0" cellspacing="0"><tr bgcolor="#003366">'
        f'<td colspan="2"><font color="#FFFFFF"><b>LOANMASTER 2000</b> &nbsp; USER: '
        f"{escape(user.upper())}</font></td></tr><tr>"
        f'<td width="180" valign="top"><table id="menu">{links}</table></td>'
        '<td valign="top"><iframe name="content" id="content" src="/app/home" width="760" '
        'height="560" frameborder="0"></iframe></td></tr></table>')
    script = ("function go(p) { var f = document.getElementById('content');"
              " f.src = '/app/' + p; }")
    return document("Main menu", body, script)


def home_page() -> str:
    return document("Welcome", '<h3 id="welcome">WELCOME TO LOANMASTER 2000</h3>'
                    "<p>Select a function from the menu.</p>")


def loans_form(viewstate: str, message: str | None = None, custid: str = "") -> str:
    return document("Customer loans", "<h3>CUSTOMER LOANS</h3>" + form(
        "/app/loans", viewstate, [("CUSTOMER NO.", text_input("custid", custid))], "SEARCH",
        message))


def loan_cells(loan: Row) -> list[str]:
    return [loan["loan_id"], loan["product_code"], amount(loan["principal"]),
            amount(loan["outstanding"]), loan["currency"], loan["interest_rate_pct"],
            str(loan["term_months"]), dmy(loan["start_date"]),
            STATUS_LABELS[loan["status"]]]


def loans_result(viewstate: str, customer: Row, loans: Sequence[Row], page: int, pages: int,
                 moved_column: bool) -> str:
    order = list(range(len(LOAN_COLUMNS)))
    if moved_column:  # the vendor's "release 4.2" swapped two money columns
        order[2], order[3] = 3, 2
    head = "".join(f"<th>{escape(LOAN_COLUMNS[i])}</th>" for i in order)
    rows = "".join("<tr>" + "".join(f"<td>{escape(loan_cells(loan)[i])}</td>" for i in order)
                   + "</tr>" for loan in loans)
    buttons = ""
    if page > 1:
        buttons += '<input type="submit" name="nav" id="prev" value="&lt; Prev">'
    if page < pages:
        buttons += '<input type="submit" name="nav" id="next" value="Next &gt;">'
    body = (
        f"<h3>CUSTOMER LOANS</h3><p>BORROWER: <span id=\"borrower\">"
        f"{escape(full_name(customer))}</span> (<span id=\"custno\">"
        f"{escape(customer['customer_id'])}</span>)</p>"
        f'<table id="loans" class="grid" border="1" cellspacing="0" cellpadding="3">'
        f"<tr bgcolor=\"#C0C0C0\">{head}</tr>{rows}</table>"
        f'<p id="pageinfo">PAGE {page} OF {pages}</p>'
        f'<form method="post" action="/app/loans" id="pager">{hidden_state(viewstate)}'
        f'{buttons}</form><p><a href="#" onclick="history.back()">Back</a></p>')
    return document("Customer loans", body)


def detail_table(table_id: str, fields: Sequence[tuple[str, str, str]]) -> str:
    rows = "".join(f'<tr><td class="lbl" bgcolor="#E0E0E0">{escape(label)}</td>'
                   f'<td id="f-{key}">{escape(value)}</td></tr>' for key, label, value in fields)
    return f'<table id="{table_id}" border="1" cellspacing="0" cellpadding="3">{rows}</table>'


def status_form(viewstate: str, message: str | None = None) -> str:
    return document("Loan status", "<h3>LOAN STATUS</h3>" + form(
        "/app/status", viewstate, [("LOAN NO.", text_input("loanid"))], "LOOK UP", message))


def status_result(loan: Row, customer: Row) -> str:
    cells = loan_cells(loan)
    fields = [("loanid", "LOAN NO.", loan["loan_id"]), ("custno", "CUSTOMER NO.",
              loan["customer_id"]), ("borrower", "BORROWER", full_name(customer)),
              ("product", "PRODUCT", loan["product_code"]), ("principal", "PRINCIPAL", cells[2]),
              ("outstanding", "OUTSTANDING", cells[3]), ("ccy", "CURRENCY", loan["currency"]),
              ("rate", "RATE %", loan["interest_rate_pct"]),
              ("term", "TERM (MONTHS)", str(loan["term_months"])),
              ("start", "START DATE", cells[7]), ("status", "STATUS", cells[8]),
              ("purpose", "PURPOSE", loan.get("purpose", ""))]
    return document("Loan status", "<h3>LOAN STATUS</h3>" + detail_table("loan", fields))


def amount_rows(custid: str = "") -> list[tuple[str, str]]:
    return [("CUSTOMER NO.", text_input("custid", custid)),
            ("AMOUNT", text_input("amount")), ("TERM", term_select())]


def eligibility_form(viewstate: str, message: str | None = None) -> str:
    return document("Eligibility", "<h3>LOAN ELIGIBILITY CALCULATOR</h3>" + form(
        "/app/eligibility", viewstate, amount_rows(), "CALCULATE", message))


def eligibility_result(check: Eligibility, customer: Row) -> str:
    fields = [("custno", "CUSTOMER NO.", check.customer_id),
              ("borrower", "BORROWER", full_name(customer)),
              ("eligible", "ELIGIBLE", "YES" if check.eligible else "NO"),
              ("reason", "REASON", check.reason.upper()),
              ("product", "PRODUCT", check.product_code),
              ("amount", "AMOUNT", amount(check.amount)),
              ("term", "TERM (MONTHS)", str(check.term_months)),
              ("maxamount", "MAXIMUM AMOUNT", amount(check.max_amount)),
              ("rate", "RATE %", f"{check.rate_pct:.2f}"),
              ("instalment", "MONTHLY INSTALMENT", amount(check.monthly_payment)),
              ("ccy", "CURRENCY", check.currency)]
    return document("Eligibility", "<h3>LOAN ELIGIBILITY CALCULATOR</h3>"
                    + detail_table("result", fields))


def apply_form(viewstate: str, message: str | None = None) -> str:
    rows = [*amount_rows(), ("PURPOSE", text_input("purpose", size=40))]
    return document("New application", "<h3>NEW LOAN APPLICATION</h3>" + form(
        "/app/apply", viewstate, rows, "SUBMIT APPLICATION", message))


def apply_result(application: Row) -> str:
    fields = [("appno", "APPLICATION NO.", application["application_id"]),
              ("custno", "CUSTOMER NO.", application["customer_id"]),
              ("amount", "AMOUNT", amount(application["amount"])),
              ("ccy", "CURRENCY", application["currency"]),
              ("term", "TERM (MONTHS)", str(application["term_months"])),
              ("purpose", "PURPOSE", application["purpose"]),
              ("status", "STATUS", STATUS_LABELS[application["status"]]),
              ("reason", "REASON", application["reason"].upper()),
              ("loanid", "LOAN NO.", application["loan_id"] or ""),
              # Naive local time, as the portal's app server prints it; its zone is UTC.
              ("submitted", "SUBMITTED", application["submitted_at"].strftime(
                  "%d/%m/%Y %H:%M:%S"))]
    return document("New application", "<h3>APPLICATION RECEIVED</h3>"
                    + detail_table("receipt", fields))


def report_page(totals: dict[str, tuple[int, Decimal]]) -> str:
    rows = "".join(f"<tr><td>{escape(STATUS_LABELS[s])}</td><td>{n}</td><td>{amount(v)}</td>"
                   "</tr>" for s, (n, v) in sorted(totals.items()))
    return document("Portfolio report", "<h3>PORTFOLIO REPORT</h3>"
                    '<table id="report" border="1"><tr><th>Status</th><th>Loans</th>'
                    f"<th>Outstanding</th></tr>{rows}</table>")


def server_error() -> str:
    return document("Error", "<h2>500 - Internal Server Error</h2>"
                    "<p>java.lang.NullPointerException at com.loanmaster.web.Dispatcher</p>")
