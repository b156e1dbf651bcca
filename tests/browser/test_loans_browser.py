"""The loans tools through real headless Chromium against the portal emulator."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.kit import ToolContext
from adapters.loans.tools import (
    CheckLoanEligibility,
    GetLoanStatus,
    ListLoans,
    SubmitLoanApplication,
)
from bridges.browser import BrowserBridge
from bridges.errors import BridgeTimeout, MappingError, NotFound, ProtocolError
from bridges.pageflow import (
    Click,
    ExtractField,
    ExtractTable,
    Flow,
    FlowRun,
    Goto,
    Hook,
    PageRequest,
    WaitFor,
)
from canonical.entities.loan import ApplicationV1, EligibilityV1, LoanV1
from emulators.web import LoansPortal
from tests.browser.conftest import DATA, expected

pytestmark = pytest.mark.browser


def dumped(loan: object) -> dict[str, object]:
    assert isinstance(loan, LoanV1)
    return loan.model_dump(mode="json")


async def list_loans(ctx: ToolContext, customer_id: str) -> list[LoanV1]:
    loans = await ListLoans().run(ListLoans.Params(customer_id=customer_id), ctx)
    assert isinstance(loans, list)
    return [loan for loan in loans if isinstance(loan, LoanV1)]


async def test_john_does_loans(ctx: ToolContext) -> None:
    loans = await list_loans(ctx, "C000001")
    assert [dumped(loan) for loan in loans] == [expected("L0000001")]


async def test_loan_status(ctx: ToolContext) -> None:
    loan = await GetLoanStatus().run(GetLoanStatus.Params(loan_id="L0000011"), ctx)
    assert dumped(loan) == expected("L0000011")  # Sofía Lindqvist, in arrears


async def test_accented_names_survive_latin1(ctx: ToolContext) -> None:
    for customer_id, name in (("C000013", "Marta Jørgensen"), ("C000008", "Ångela Müller"),
                              ("C000035", "Chloé Novák")):
        loans = await list_loans(ctx, customer_id)
        assert loans and {loan.borrower_name for loan in loans} == {name}


async def test_paginated_table_is_read_to_the_end(ctx: ToolContext,
                                                  portal: LoansPortal) -> None:
    portal.state.page_size = 1
    try:
        loans = await list_loans(ctx, "C000035")
    finally:
        portal.state.page_size = 5
    wanted = sorted(r["loan_id"] for r in DATA.loans if r["customer_id"] == "C000035")
    assert len(wanted) == 2
    assert [dumped(loan) for loan in loans] == [expected(i) for i in wanted]


async def test_unknown_objects_are_not_found(ctx: ToolContext) -> None:
    with pytest.raises(NotFound, match="C000999"):
        await list_loans(ctx, "C000999")
    with pytest.raises(NotFound, match="L0999999"):
        await GetLoanStatus().run(GetLoanStatus.Params(loan_id="L0999999"), ctx)


async def test_customer_without_loans_has_an_empty_list(ctx: ToolContext) -> None:
    assert await list_loans(ctx, "C000004") == []


async def test_moved_column_is_a_mapping_error_with_diagnostics(
        ctx: ToolContext, portal: LoansPortal, diagnostics: Path) -> None:
    portal.faults.moved_column = True
    try:
        with pytest.raises(MappingError, match="changed layout") as caught:
            await list_loans(ctx, "C000001")
    finally:
        portal.faults.moved_column = False
    saved = Path(caught.value.detail["diagnostics"])
    assert saved.parent == diagnostics and saved.with_suffix(".png").is_file()
    html = saved.read_text(encoding="utf-8")
    assert "Outstanding</th><th>Principal" in html  # the page as the bridge saw it
    assert portal.password not in html
    assert str(saved.with_suffix(".*")) in str(caught.value)


async def test_http_500_is_a_retriable_protocol_error(ctx: ToolContext,
                                                      portal: LoansPortal) -> None:
    portal.faults.fail_next, portal.faults.fail_prefix = 1, "/app/loans"
    try:
        with pytest.raises(ProtocolError, match="HTTP 500") as caught:
            await list_loans(ctx, "C000001")
    finally:
        portal.faults.fail_next, portal.faults.fail_prefix = 0, "/"
    assert caught.value.retriable
    assert len(await list_loans(ctx, "C000001")) == 1


async def test_sessions_are_reused(ctx: ToolContext, loans_bridge: BrowserBridge,
                                   portal: LoansPortal) -> None:
    await list_loans(ctx, "C000001")
    before = portal.state.logins
    for _ in range(4):
        await GetLoanStatus().run(GetLoanStatus.Params(loan_id="L0000001"), ctx)
    # Each pooled context signs on at most once, and here all are signed on already.
    assert portal.state.logins - before <= loans_bridge.size - 1
    # Concurrent callers share the bounded pool; every answer is the one asked for.
    wanted = ["L0000001", "L0000002", "L0000003", "L0000004", "L0000005", "L0000006"]
    loans = await asyncio.gather(*(
        GetLoanStatus().run(GetLoanStatus.Params(loan_id=i), ctx) for i in wanted))
    assert [dumped(loan) for loan in loans] == [expected(i) for i in wanted]
    assert portal.state.logins - before <= loans_bridge.size


async def test_session_expiry_mid_flow_signs_on_again(loans_bridge: BrowserBridge,
                                                      portal: LoansPortal) -> None:
    expired: list[bool] = []

    async def end_session_once(run: FlowRun) -> None:
        if not expired:
            expired.append(True)
            portal.state.expire_sessions()

    flow = Flow("expiring", (
        Goto("/main", stay=True), Hook(end_session_once),
        Click("#nav-loans", navigates=True, target="content")))
    before = portal.state.logins
    await loans_bridge.exchange(PageRequest(flow))
    assert expired and portal.state.logins == before + 1


async def test_wait_for_text_and_extract_a_field(loans_bridge: BrowserBridge) -> None:
    flow = Flow("home", (
        Goto("/main"), WaitFor(text="WELCOME TO LOANMASTER", frame="content"),
        ExtractField("welcome", "#welcome", frame="content"),
        ExtractField("absent", "#no-such-thing", required=False)))
    result = await loans_bridge.exchange(PageRequest(flow))
    assert result.fields == {"welcome": "WELCOME TO LOANMASTER 2000", "absent": None}


async def test_per_step_timeout_on_the_slow_report(loans_bridge: BrowserBridge) -> None:
    flow = Flow("report", (
        Goto("/main", stay=True),
        Click("#nav-report", navigates=True, target="content", timeout_s=0.5),
        ExtractTable("report", "#report", {"status": "Status"}, frame="content")))
    with pytest.raises(BridgeTimeout, match="diagnostics"):
        await loans_bridge.exchange(PageRequest(flow))


async def test_latency_beyond_step_timeout(loans_bridge: BrowserBridge,
                                           portal: LoansPortal) -> None:
    flow = Flow("latency", (Goto("/app/home", timeout_s=0.3),))
    portal.faults.latency_s = 1.0
    try:
        with pytest.raises(BridgeTimeout):
            await loans_bridge.exchange(PageRequest(flow))
    finally:
        portal.faults.latency_s = 0.0


async def test_eligibility(ctx: ToolContext) -> None:
    tool = CheckLoanEligibility()
    ok = await tool.run(tool.Params(customer_id="C000001", amount=Decimal("10000"),
                                    term_months=36), ctx)
    assert isinstance(ok, EligibilityV1)
    assert ok.eligible and ok.product_code == "LN-PERS"
    assert ok.monthly_payment.amount == Decimal("312.90")  # annuity at 7.90 % over 36 months
    assert ok.max_amount.amount == Decimal("50000.00") and ok.amount.currency == "USD"
    arrears = await tool.run(tool.Params(customer_id="C000031", amount=Decimal("5000"),
                                         term_months=24), ctx)
    assert isinstance(arrears, EligibilityV1)
    assert not arrears.eligible and arrears.reason == "Existing loan in arrears"


async def test_application_shows_in_later_lookups(ctx: ToolContext) -> None:
    tool = SubmitLoanApplication()
    application = await tool.run(tool.Params(
        customer_id="C000006", amount=Decimal("15000.50"), term_months=48,
        purpose="Rénovation de la cuisine", idempotency_key="test-apply-0001"), ctx)
    assert isinstance(application, ApplicationV1)
    assert application.status == "pending" and application.loan_id
    assert application.amount.amount == Decimal("15000.50")
    status = await GetLoanStatus().run(GetLoanStatus.Params(loan_id=application.loan_id), ctx)
    assert isinstance(status, LoanV1)
    assert status.status == "pending" and status.purpose == "Rénovation de la cuisine"
    assert status.principal == application.amount
    assert [loan.loan_id for loan in await list_loans(ctx, "C000006")] == [application.loan_id]
