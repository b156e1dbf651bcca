"""Unit tests of the bridge's pieces: escaping, the screen model, the pool, replay."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import py3270
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.core_banking import system_config
from adapters.core_banking.screens import ACCOUNT_INQUIRY
from bridges.errors import BridgeError, BridgeTimeout, ProtocolError
from bridges.recording import Cassette
from bridges.secrets import MemorySecretStore
from bridges.tn3270 import (
    FieldAt,
    FlowCall,
    FlowResult,
    Screen,
    SessionLost,
    Tn3270Bridge,
    map_py3270_errors,
)
from bridges.tn3270.escape import UnsafeInput, check_text, key_action, quote
from bridges.tn3270.pool import SessionPool

latin1_printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF,
                                         blacklist_categories=("Cc",)))


def unquote(quoted: str) -> str:
    """s3270's reading of one quoted argument; fails if the quoting ended early."""
    assert quoted[0] == quoted[-1] == '"'
    out, i, body = [], 0, quoted[1:-1]
    while i < len(body):
        if body[i] == "\\":
            out.append(body[i + 1])
            i += 2
        else:
            assert body[i] != '"', "an unescaped quote would end the argument"
            out.append(body[i])
            i += 1
    return "".join(out)


@given(latin1_printable)
def test_any_printable_value_is_one_string_argument(value: str) -> None:
    assert unquote(quote(value)) == value


@pytest.mark.parametrize("value", ["a\nEnter()", "x\r", "\x00", "tab\there", "a\u2028b",
                                   "😀"])
def test_control_and_non_latin1_characters_are_refused(value: str) -> None:
    with pytest.raises(UnsafeInput):
        quote(value)


def test_hostile_value_stays_inside_its_quotes() -> None:
    hostile = 'x") Execute("touch /tmp/pwned") String("'
    assert quote(hostile) == '"x\\") Execute(\\"touch /tmp/pwned\\") String(\\""'


def test_too_long_values_and_unknown_keys_are_refused() -> None:
    with pytest.raises(UnsafeInput):
        check_text("12345", max_length=4)
    with pytest.raises(UnsafeInput):
        key_action("Execute(rm)")
    assert key_action("pf8") == "PF(8)" and key_action("PA2") == "PA(2)"


def buffer(rows: list[str], fields: dict[tuple[int, int], str]) -> list[bytes]:
    """A ReadBuffer(Ascii) dump of 80-column rows with SF tokens at (row, col) cells."""
    lines = []
    for r, text in enumerate(rows, start=1):
        tokens = []
        for c, ch in enumerate(text.ljust(80), start=1):
            attr = fields.get((r, c))
            tokens.append(f"SF(c0={attr})" if attr else ch.encode("utf-8").hex())
        lines.append(" ".join(tokens).encode())
    return lines


def test_screen_fields_labels_and_hidden_text() -> None:
    rows = [" MBSIGN", "", " Userid :  ALICE    x", " Password : SECRET   x", " Namé : Inès"]
    attrs = {(3, 11): "c0", (3, 20): "f0", (4, 12): "cc", (4, 20): "f0", (5, 8): "e0"}
    screen = Screen.from_buffer(buffer(rows, attrs))
    assert screen.text(1, 2, 6) == "MBSIGN"
    assert screen.read(FieldAt(label="Userid :")) == "ALICE"
    assert "SECRET" not in "".join(screen.rows)  # non-display field blanked
    assert screen.read(FieldAt(row=5, col=9, length=5)) == "Inès"
    user = screen.field_at(3, 12)
    assert user is not None and not user.protected and user.length == 8


def test_pool_serves_waiters_in_arrival_order_and_caps_sessions() -> None:
    opened: list[int] = []
    pool: SessionPool[int] = SessionPool(lambda: opened.append(len(opened)) or len(opened),
                                         lambda s: None, lambda s: True, max_sessions=1,
                                         wait_s=30, check_after_s=60, system="t")
    first = pool.acquire()
    order: list[str] = []

    def waiter(name: str) -> None:
        session = pool.acquire()
        order.append(name)
        pool.release(session, healthy=True)

    threads = []
    for name in "abc":
        t = threading.Thread(target=waiter, args=(name,))
        t.start()
        threads.append(t)
        while len(pool._waiters) < len(threads):  # each one queued before the next starts
            time.sleep(0.001)
    pool.release(first, healthy=True)
    for t in threads:
        t.join(10)
    assert order == ["a", "b", "c"] and len(opened) == 1 and pool.size == 1


def test_pool_replaces_a_broken_session_and_times_out_waiters() -> None:
    closed: list[int] = []
    counter = iter(range(100))
    pool: SessionPool[int] = SessionPool(lambda: next(counter), closed.append, lambda s: True,
                                         max_sessions=1, wait_s=0.05, check_after_s=60,
                                         system="t")
    session = pool.acquire()
    with pytest.raises(BridgeTimeout) as caught:
        pool.acquire()
    assert caught.value.retriable
    pool.release(session, healthy=False)
    assert closed == [0] and pool.acquire() == 1


async def test_replay_answers_with_no_host(tmp_path: Path) -> None:
    reply = FlowResult({"account_id": "1000000001", "ledger": "1.00"}, {}, [])
    cassette = Cassette("tn3270", "corebanking")
    call = FlowCall(ACCOUNT_INQUIRY, {"account_id": "1000000001"})
    cassette.record(call.to_json(), reply.to_json())
    cassette.save(tmp_path / "c.json")
    config = {k: v for k, v in system_config(1).items() if k not in ("bridge", "port")}
    bridge = Tn3270Bridge.from_config("corebanking", {**config, "replay": tmp_path / "c.json"},
                                      MemorySecretStore())
    assert (await bridge.exchange(call)).values == reply.values
    await bridge.close()


@pytest.mark.parametrize(("raised", "expected"), [
    (py3270.CommandError("Wait: Timed out"), BridgeTimeout),
    (py3270.CommandError("Not connected"), SessionLost),
    (py3270.CommandError("Keyboard locked"), ProtocolError),
    (py3270.KeyboardStateError("locked"), ProtocolError),
    (ValueError('expected "ok" or "error" result'), SessionLost),
    (BrokenPipeError(), SessionLost),
])
def test_py3270_errors_map_onto_the_error_tree(raised: Exception,
                                               expected: type[BridgeError]) -> None:
    with pytest.raises(expected) as caught, map_py3270_errors("corebanking"):
        raise raised
    assert type(caught.value) is expected and caught.value.system == "corebanking"
