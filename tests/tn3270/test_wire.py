"""The bridge against the emulator through real s3270: flows, errors, faults, recording."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapters.core_banking.screens import ACCOUNT_INQUIRY, CUSTOMER_ACCOUNTS, PLACE_HOLD
from adapters.kit.tn3270 import screen_amount
from bridges.errors import AuthError, BridgeError, NotFound, RemoteFault
from bridges.tn3270 import FlowCall, OutcomeUnknown, Tn3270Bridge
from bridges.tn3270.escape import UnsafeInput
from emulators.dataset import BankDataset
from emulators.tn3270 import Tn3270Host
from tests.tn3270.conftest import expected_ledger, make_bridge


def inquiry(account_id: str) -> FlowCall:
    return FlowCall(ACCOUNT_INQUIRY, {"account_id": account_id})


async def test_balance_is_the_dataset_ledger(bridge: Tn3270Bridge, host: Tn3270Host) -> None:
    result = await bridge.exchange(inquiry("1000000001"))
    assert host.modes[0] == "tn3270e"  # s3270 took the TN3270E offer
    ledger = screen_amount(result.values["ledger"], "ledger")
    assert ledger == expected_ledger("1000000001")
    assert result.values["currency"] == "USD"
    assert screen_amount(result.values["available"], "a") == ledger + Decimal("1000.00")


async def test_accounts_list_follows_pf8_to_the_end(bridge: Tn3270Bridge) -> None:
    result = await bridge.exchange(FlowCall(CUSTOMER_ACCOUNTS, {"customer_id": "C000002"}))
    wanted = [a["account_id"] for a in BankDataset().accounts if a["customer_id"] == "C000002"]
    assert len(wanted) > 3  # more than one page of three
    assert [r["account_id"] for r in result.rows["accounts"]] == wanted
    assert [t["key"] for t in result.trail].count("PF8") == 1


async def test_error_screens_become_typed_errors_and_the_session_survives(
        bridge: Tn3270Bridge) -> None:
    opened = bridge.pool.opened
    with pytest.raises(NotFound, match="9999999999"):
        await bridge.exchange(inquiry("9999999999"))
    with pytest.raises(NotFound):
        await bridge.exchange(FlowCall(CUSTOMER_ACCOUNTS, {"customer_id": "C999999"}))
    with pytest.raises(RemoteFault, match="INVALID AMOUNT"):
        await bridge.exchange(FlowCall(PLACE_HOLD, {"account_id": "1000000002",
                                                    "amount": "1.234", "reason": "x"}))
    await bridge.exchange(inquiry("1000000001"))
    assert bridge.pool.opened == opened  # error screens did not cost a sign-on


async def test_a_hold_shows_in_the_next_inquiry(bridge: Tn3270Bridge, host: Tn3270Host) -> None:
    before = await bridge.exchange(inquiry("1000000005"))
    placed = await bridge.exchange(FlowCall(PLACE_HOLD, {
        "account_id": "1000000005", "amount": "100.25", "reason": "wire test"}))
    after = await bridge.exchange(inquiry("1000000005"))
    assert placed.values["hold_id"].startswith("H")
    assert (screen_amount(after.values["holds"], "h")
            == screen_amount(before.values["holds"], "h") + Decimal("100.25"))
    assert (screen_amount(after.values["available"], "a")
            == screen_amount(before.values["available"], "a") - Decimal("100.25"))
    assert host.bank.placed[-1].reason == "wire test"


@pytest.mark.parametrize("reason", ['x") Execute("touch /tmp/mbp") String("',
                                    "a)b\\c\"d'e", "Quit() Disconnect()"])
async def test_hostile_text_arrives_as_data_never_as_an_action(
        bridge: Tn3270Bridge, host: Tn3270Host, reason: str) -> None:
    await bridge.exchange(FlowCall(PLACE_HOLD, {"account_id": "1000000002", "amount": "0.01",
                                                "reason": reason}))
    assert host.bank.placed[-1].reason == reason
    assert not Path("/tmp/mbp").exists()


@pytest.mark.parametrize("reason", ["line\nEnter()", "nul\x00", "x" * 41])
async def test_unsafe_text_is_refused_before_s3270(bridge: Tn3270Bridge, host: Tn3270Host,
                                                   reason: str) -> None:
    holds = len(host.bank.placed)
    with pytest.raises(UnsafeInput):
        await bridge.exchange(FlowCall(PLACE_HOLD, {"account_id": "1000000002",
                                                    "amount": "0.01", "reason": reason}))
    assert len(host.bank.placed) == holds


async def test_wrong_password_and_missing_permission_are_auth_errors(host: Tn3270Host) -> None:
    viewer = make_bridge(host, user="VIEWER", warm_sessions=0)
    try:
        await viewer.exchange(inquiry("1000000001"))  # viewers may look
        with pytest.raises(AuthError, match="NOT AUTHORIZED"):
            await viewer.exchange(FlowCall(PLACE_HOLD, {"account_id": "1000000002",
                                                        "amount": "1.00", "reason": "x"}))
    finally:
        await viewer.close()
    wrong = make_bridge(host, password="WRONG123", warm_sessions=0)
    try:
        with pytest.raises(AuthError) as caught:
            await wrong.exchange(inquiry("1000000001"))
        assert "WRONG123" not in str(caught.value) and not caught.value.retriable
        assert "INVALID USERID OR PASSWORD" in str(caught.value)
    finally:
        await wrong.close()


async def test_slow_host_and_locked_keyboard_still_settle(bridge: Tn3270Bridge,
                                                           host: Tn3270Host) -> None:
    with host.inject(latency_s=0.05, lock_keyboard_s=0.2):
        result = await bridge.exchange(inquiry("1000000001"))
    assert screen_amount(result.values["ledger"], "l") == expected_ledger("1000000001")


@pytest.mark.parametrize("fault", ["drop_next", "expire_next"])
async def test_a_lost_session_is_recovered_by_signing_on_again(
        bridge: Tn3270Bridge, host: Tn3270Host, fault: str) -> None:
    opened = bridge.pool.opened
    with host.inject(**{fault: 1}):
        result = await bridge.exchange(inquiry("1000000001"))
    assert screen_amount(result.values["ledger"], "l") == expected_ledger("1000000001")
    assert bridge.pool.opened == opened + 1


async def test_garbage_is_a_retriable_typed_error_never_a_wrong_answer(
        host: Tn3270Host) -> None:
    quick = make_bridge(host, step_timeout_s=1.0, warm_sessions=0)
    try:
        await quick.exchange(inquiry("1000000001"))
        with host.inject(garbage_next=1):
            try:
                result = await quick.exchange(inquiry("1000000001"))
            except BridgeError as exc:  # s3270 keeps the keyboard locked: a timeout
                assert exc.retriable
            else:
                assert screen_amount(result.values["ledger"], "l") == expected_ledger(
                    "1000000001")
        result = await quick.exchange(inquiry("1000000001"))
        assert screen_amount(result.values["ledger"], "l") == expected_ledger("1000000001")
    finally:
        await quick.close()


@pytest.mark.parametrize(("state", "aid"), [("hold", b"\x7d"), ("hold", b"\xf3")],
                         ids=["drop-on-commit-key", "drop-after-commit"])
async def test_a_write_is_not_retried_once_its_key_was_sent(
        host: Tn3270Host, monkeypatch: pytest.MonkeyPatch, state: str, aid: bytes) -> None:
    writer = make_bridge(host, warm_sessions=0, step_timeout_s=1.0)
    original = host._answer

    async def drop(telnet: Any, session: Any, record: bytes, last: float) -> Any:
        if session.state == state and record[:1] == aid:
            raise ConnectionResetError("dropped")
        return await original(telnet, session, record, last)

    try:
        await writer.exchange(inquiry("1000000001"))  # signed on, back at the menu
        holds = len(host.bank.placed)
        monkeypatch.setattr(host, "_answer", drop)
        with pytest.raises(OutcomeUnknown) as caught:
            await writer.exchange(FlowCall(PLACE_HOLD, {
                "account_id": "1000000002", "amount": "1.00", "reason": "dropped write"}))
        assert not caught.value.retriable
        # ENTER dropped: no hold; PF3 dropped: the one hold, and never a second
        assert len(host.bank.placed) == holds + (aid == b"\xf3")
    finally:
        monkeypatch.undo()
        await writer.close()


async def test_recording_masks_the_password_and_replays(host: Tn3270Host,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "corebanking.json"
    recorder = make_bridge(host, record=path, warm_sessions=0)
    try:
        live = await recorder.exchange(inquiry("1000000001"))
    finally:
        await recorder.close()
    text = path.read_text()
    assert host.password not in text and "MBINQ" in text
    assert json.loads(text)["protocol"] == "tn3270"
    player = make_bridge(host, replay=path, port=None)
    assert (await player.exchange(inquiry("1000000001"))).values == live.values
    await player.close()


async def test_cp1047_model_4_and_plain_tn3270_over_the_wire() -> None:
    reason = "[réf] ^¬ Inès {x}"  # the characters where cp1047 and cp037 differ, and Latin-1
    with Tn3270Host(codepage="cp1047", tn3270e=False) as host:
        b = make_bridge(host, codepage="cp1047", model="3279-4", warm_sessions=0)
        try:
            result = await b.exchange(FlowCall(CUSTOMER_ACCOUNTS, {"customer_id": "C000001"}))
            hold = await b.exchange(FlowCall(PLACE_HOLD, {"account_id": "1000000002",
                                                          "amount": "1.00", "reason": reason}))
            terminal = b.pool.acquire()
            b.pool.release(terminal, True)
            assert terminal.screen is not None and len(terminal.screen.rows) == 43
        finally:
            await b.close()
        assert host.terminal_types == ["IBM-3279-4-E"] and host.modes == ["tn3270"]
        assert host.bank.placed[-1].reason == reason  # typed through s3270, decoded by host
    assert hold.values["reason"] == reason  # and read back from the screen
    assert [r["account_id"] for r in result.rows["accounts"]] == [
        "1000000001", "1000000002", "1000000003"]


async def test_errors_while_signing_on_never_show_the_password(host: Tn3270Host) -> None:
    fresh = make_bridge(host, warm_sessions=0)
    try:
        with host.inject(drop_next=2), pytest.raises(BridgeError) as caught:
            await fresh.exchange(inquiry("1000000001"))  # sign-on dropped, twice
        assert caught.value.retriable
        assert host.password not in str(caught.value)
        assert host.password not in repr(caught.value.__cause__)
    finally:
        await fresh.close()


async def test_concurrent_calls_share_a_capped_pool(host: Tn3270Host) -> None:
    capped = make_bridge(host, max_sessions=2, warm_sessions=0)
    accounts = [a["account_id"] for a in BankDataset().accounts[:8]]
    try:
        results = await asyncio.gather(*(capped.exchange(inquiry(a)) for a in accounts))
    finally:
        await capped.close()
    assert [r.values["account_id"] for r in results] == accounts
    assert [screen_amount(r.values["ledger"], "l") for r in results] == [
        expected_ledger(a) for a in accounts]
    assert capped.pool.opened <= 2


async def test_health_check_replaces_sessions_lost_while_idle() -> None:
    with Tn3270Host() as host:  # its own host: the outage must not touch other tests
        checked = make_bridge(host, health_check_after_s=0, warm_sessions=1)
        await checked.open()
        try:
            assert checked.pool.opened == 1
            host.disconnect_all()
            for _ in range(500):  # until the host side has really closed them
                if host.sessions == 0:
                    break
                await asyncio.sleep(0.01)
            result = await checked.exchange(inquiry("1000000001"))
            assert screen_amount(result.values["ledger"], "l") == expected_ledger("1000000001")
            assert checked.pool.opened == 2
        finally:
            await checked.close()
