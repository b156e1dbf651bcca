"""Record a session as a HAR, stop the portal, replay the same calls from the HAR alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.kit import ToolContext
from adapters.loans.tools import GetLoanStatus, ListLoans
from bridges.errors import AuthError, ConfigError, ConnectError
from bridges.pageflow import Flow, Goto, PageRequest
from bridges.recording import ReplayMiss
from canonical import CanonicalModel
from emulators.web import LoansPortal
from tests.browser.conftest import context, make_bridge

pytestmark = pytest.mark.browser


async def calls(ctx: ToolContext) -> list[CanonicalModel | list[CanonicalModel]]:
    return [await ListLoans().run(ListLoans.Params(customer_id="C000001"), ctx),
            await GetLoanStatus().run(GetLoanStatus.Params(loan_id="L0000013"), ctx),
            await ListLoans().run(ListLoans.Params(customer_id="C000013"), ctx)]


async def test_replay_from_har_without_a_server(tmp_path: Path) -> None:
    har = tmp_path / "loans.har"
    with LoansPortal() as portal:
        recorder = make_bridge(portal, record_har=str(har))
        try:
            live = await calls(context(recorder))
        finally:
            await recorder.close()
    text = har.read_text(encoding="utf-8")
    assert portal.password not in text
    assert "LMSESSIONID=" not in text  # session cookies masked too

    # The portal is stopped: a live bridge cannot reach it...
    dead = make_bridge(portal)
    try:
        with pytest.raises(ConnectError):
            await dead.exchange(PageRequest(Flow("ping", (Goto("/login"),))))
    finally:
        await dead.close()

    # ...but the HAR answers the same calls with the same data, accents included.
    player = make_bridge(portal, password="not-needed", replay_har=str(har))
    try:
        replayed = await calls(context(player))
        assert replayed == live
        assert any(loan.borrower_name == "Marta Jørgensen"  # type: ignore[union-attr]
                   for loan in replayed[2])  # type: ignore[union-attr]
        with pytest.raises(ReplayMiss):
            await GetLoanStatus().run(GetLoanStatus.Params(loan_id="L0000002"),
                                      context(player))
    finally:
        await player.close()


async def test_wrong_password_is_an_auth_error(portal: LoansPortal, tmp_path: Path) -> None:
    bridge = make_bridge(portal, password="wrong-password", diagnostics_dir=str(tmp_path))
    try:
        with pytest.raises(AuthError, match="refused") as caught:
            await ListLoans().run(ListLoans.Params(customer_id="C000001"), context(bridge))
    finally:
        await bridge.close()
    html = Path(caught.value.detail["diagnostics"]).read_text(encoding="utf-8")
    assert "INVALID USER OR PASSWORD" in html and "wrong-password" not in html


async def test_missing_chromium_is_a_config_error(portal: LoansPortal) -> None:
    bridge = make_bridge(portal, executable_path="/nonexistent/chromium")
    try:
        with pytest.raises(ConfigError, match="cannot start Chromium"):
            await bridge.open()
    finally:
        await bridge.close()
