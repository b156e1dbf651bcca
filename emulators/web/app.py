"""The portal's HTTP routes (Starlette): sessions by cookie, forms decoded as ISO-8859-1."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from emulators.web import pages
from emulators.web.portal import CENT, TERMS, PortalState

CHARSET = "ISO-8859-1"
COOKIE = "LMSESSIONID"
CUSTOMER_ID = re.compile(r"^C\d{6}$")
LOAN_ID = re.compile(r"^L\d{7}$")
Handler = Callable[[Request, PortalState, str], Awaitable[Response]]


def html(text: str, status: int = 200) -> Response:
    # Characters outside Latin-1 become &#NNN; as a browser would submit them.
    body = text.encode(CHARSET, errors="xmlcharrefreplace")
    return Response(body, status, media_type=f"text/html; charset={CHARSET}")


async def form_data(request: Request) -> dict[str, str]:
    """The form as the browser sent it: in the page's charset, Latin-1, not UTF-8."""
    body = (await request.body()).decode("ascii", errors="replace")
    return dict(parse_qsl(body, keep_blank_values=True, encoding=CHARSET))


def expired() -> Response:
    return RedirectResponse("/login?expired=1", status_code=302)


async def login_get(request: Request, state: PortalState) -> Response:
    message = "YOUR SESSION HAS EXPIRED - PLEASE SIGN ON AGAIN" \
        if request.query_params.get("expired") else None
    return html(pages.login_page(state.viewstate("login", ""), message))


async def login_post(request: Request, state: PortalState) -> Response:
    data = await form_data(request)
    if state.read_viewstate(data.get("__VIEWSTATE", ""), "login", "") is None:
        return html(pages.login_page(state.viewstate("login", ""),
                                     "INVALID PAGE STATE - PLEASE RETRY"), 400)
    sid = state.login(data.get("username", ""), data.get("password", ""))
    if sid is None:
        return html(pages.login_page(state.viewstate("login", ""), "INVALID USER OR PASSWORD"))
    response = RedirectResponse("/main", status_code=302)
    response.set_cookie(COOKIE, sid, httponly=True, samesite="lax")
    return response


def session_page(handler: Handler) -> Callable[[Request, PortalState], Awaitable[Response]]:
    """Pages behind the sign-on: an unknown or idle session goes back to the login page."""
    async def guarded(request: Request, state: PortalState) -> Response:
        sid = request.cookies.get(COOKIE, "")
        if not state.touch(sid):
            return expired()
        return await handler(request, state, sid)
    return guarded


async def root(request: Request, state: PortalState, sid: str) -> Response:
    return RedirectResponse("/main", status_code=302)


async def main(request: Request, state: PortalState, sid: str) -> Response:
    return html(pages.main_page(state.username))


async def home(request: Request, state: PortalState, sid: str) -> Response:
    return html(pages.home_page())


async def checked_form(request: Request, state: PortalState, sid: str, name: str) -> (
    dict[str, str] | None
):
    data = await form_data(request)
    view = state.read_viewstate(data.get("__VIEWSTATE", ""), name, sid)
    if view is None:
        return None
    data.update({f"vs.{k}": str(v) for k, v in view.items()})
    return data


def bad_state() -> Response:
    return html(pages.document("Error", pages.error_box("INVALID PAGE STATE - PLEASE RETRY")),
                400)


async def loans(request: Request, state: PortalState, sid: str) -> Response:
    if request.method == "GET":
        return html(pages.loans_form(state.viewstate("loans", sid)))
    data = await checked_form(request, state, sid, "loans")
    if data is None:
        return bad_state()
    if "vs.c" in data:  # the pager posts back the search it came from, in the viewstate
        custid, page = data["vs.c"], int(data["vs.p"])
        page += 1 if data.get("nav", "").startswith("Next") else -1
    else:
        custid, page = data.get("custid", "").strip().upper(), 1
    customer = state.customer(custid) if CUSTOMER_ID.match(custid) else None
    if customer is None:
        return html(pages.loans_form(state.viewstate("loans", sid),
                                     f"CUSTOMER {custid[:12]} NOT FOUND", custid[:12]))
    rows = state.loans_of(custid)
    pages_count = max(1, math.ceil(len(rows) / state.page_size))
    page = min(max(page, 1), pages_count)
    shown = rows[(page - 1) * state.page_size: page * state.page_size]
    return html(pages.loans_result(state.viewstate("loans", sid, c=custid, p=page), customer,
                                   shown, page, pages_count, state.faults.moved_column))


async def status(request: Request, state: PortalState, sid: str) -> Response:
    if request.method == "GET":
        return html(pages.status_form(state.viewstate("status", sid)))
    data = await checked_form(request, state, sid, "status")
    if data is None:
        return bad_state()
    loan_id = data.get("loanid", "").strip().upper()
    loan = state.loan(loan_id) if LOAN_ID.match(loan_id) else None
    if loan is None:
        return html(pages.status_form(state.viewstate("status", sid),
                                      f"LOAN {loan_id[:12]} NOT FOUND"))
    customer = state.customer(loan["customer_id"])
    assert customer is not None
    return html(pages.status_result(loan, customer))


def amount_fields(data: dict[str, str], state: PortalState) -> (
    tuple[dict[str, Any], Decimal, int] | str
):
    """The customer, amount and term of a calculator or application form, or why not."""
    custid = data.get("custid", "").strip().upper()
    customer = state.customer(custid) if CUSTOMER_ID.match(custid) else None
    if customer is None:
        return f"CUSTOMER {custid[:12]} NOT FOUND"
    try:
        amount = Decimal(data.get("amount", "").replace(",", "")).quantize(CENT)
    except InvalidOperation:
        return "AMOUNT IS NOT A NUMBER"
    if not amount.is_finite() or amount <= 0:
        return "AMOUNT MUST BE POSITIVE"
    term = int(data["term"]) if data.get("term", "").isdigit() else 0
    if term not in TERMS:
        return "INVALID TERM"
    return customer, amount, term


async def eligibility(request: Request, state: PortalState, sid: str) -> Response:
    if request.method == "GET":
        return html(pages.eligibility_form(state.viewstate("eligibility", sid)))
    data = await checked_form(request, state, sid, "eligibility")
    if data is None:
        return bad_state()
    fields = amount_fields(data, state)
    if isinstance(fields, str):
        return html(pages.eligibility_form(state.viewstate("eligibility", sid), fields))
    customer, amount, term = fields
    return html(pages.eligibility_result(state.eligibility(customer, amount, term), customer))


async def apply(request: Request, state: PortalState, sid: str) -> Response:
    if request.method == "GET":
        return html(pages.apply_form(state.viewstate("apply", sid)))
    data = await checked_form(request, state, sid, "apply")
    if data is None:
        return bad_state()
    fields = amount_fields(data, state)
    purpose = data.get("purpose", "").strip()
    if isinstance(fields, str) or not purpose or len(purpose) > 60:
        message = fields if isinstance(fields, str) else "PURPOSE IS REQUIRED (MAX 60 CHARS)"
        return html(pages.apply_form(state.viewstate("apply", sid), message))
    customer, amount, term = fields
    return html(pages.apply_result(state.apply(customer, amount, term, purpose)))


async def report(request: Request, state: PortalState, sid: str) -> Response:
    await asyncio.sleep(state.faults.report_delay_s)  # "the batch report takes a while"
    totals: dict[str, tuple[int, Decimal]] = {}
    for row in state.loans.values():
        count, total = totals.get(row["status"], (0, Decimal("0.00")))
        totals[row["status"]] = (count + 1, total + Decimal(row["outstanding"]))
    return html(pages.report_page(totals))


def create_app(state: PortalState) -> Starlette:
    def bind(endpoint: Callable[[Request, PortalState], Awaitable[Response]]) -> (
        Callable[[Request], Awaitable[Response]]
    ):
        async def handle(request: Request) -> Response:
            faults = state.faults
            state.requests += 1
            if faults.latency_s:
                await asyncio.sleep(faults.latency_s)
            if faults.fail_next > 0 and request.url.path.startswith(faults.fail_prefix):
                faults.fail_next -= 1
                return html(pages.server_error(), 500)
            return await endpoint(request, state)
        return handle

    routes = [
        Route("/login", bind(login_get), methods=["GET"]),
        Route("/login", bind(login_post), methods=["POST"]),
        Route("/", bind(session_page(root))),
        Route("/main", bind(session_page(main))),
        Route("/app/home", bind(session_page(home))),
        Route("/app/loans", bind(session_page(loans)), methods=["GET", "POST"]),
        Route("/app/status", bind(session_page(status)), methods=["GET", "POST"]),
        Route("/app/eligibility", bind(session_page(eligibility)), methods=["GET", "POST"]),
        Route("/app/apply", bind(session_page(apply)), methods=["GET", "POST"]),
        Route("/app/report", bind(session_page(report))),
    ]
    return Starlette(routes=routes)
