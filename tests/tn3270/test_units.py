"""Unit tests of both ends' building blocks: addresses, inbound records, code pages, maps."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulators.tn3270.app import Screen, Session, User
from emulators.tn3270.bank import Bank
from emulators.tn3270.codec import Ebcdic
from emulators.tn3270.datastream import (
    SBA,
    InboundError,
    decode_address,
    encode_address,
    parse_inbound,
)
from emulators.tn3270.maps import load_maps


@given(st.integers(min_value=0, max_value=16383))
def test_buffer_addresses_round_trip(address: int) -> None:
    assert decode_address(*encode_address(address)) == address


def test_12_bit_addresses_use_graphic_codes() -> None:
    # Row 24, col 80 of a 24x80 screen = 1919, the classic example 0x5D 0x7F.
    assert encode_address(1919) == bytes([0x5D, 0x7F])


def test_inbound_record_with_modified_fields() -> None:
    codec = Ebcdic()
    record = (bytes([0x7D]) + encode_address(10) + bytes([SBA]) + encode_address(5)
              + codec.encode("ABC") + bytes([SBA]) + encode_address(100) + b"\x00"
              + codec.encode("1"))
    inbound = parse_inbound(record)
    assert inbound.aid == "ENTER" and inbound.cursor == 10
    assert inbound.fields == {5: codec.encode("ABC"), 100: b"\x00" + codec.encode("1")}


@pytest.mark.parametrize("record", [b"", b"\x00", bytes([0x7D, 0x40, 0x40, 0xC1])])
def test_inbound_garbage_is_refused(record: bytes) -> None:
    with pytest.raises(InboundError):
        parse_inbound(record)


def test_short_read_keys_carry_no_fields() -> None:
    assert parse_inbound(bytes([0x6D])).aid == "CLEAR"
    assert parse_inbound(bytes([0xC1, 0x40, 0x40])).aid == "PF13"


def test_cp1047_differs_from_cp037_where_it_should() -> None:
    cp037, cp1047 = Ebcdic("cp037"), Ebcdic("cp1047")
    assert cp037.encode("[]^") == bytes([0xBA, 0xBB, 0xB0])
    assert cp1047.encode("[]^") == bytes([0xAD, 0xBD, 0x5F])
    text = "Inès Müller 123 ABC xyz"
    assert cp1047.encode(text) == cp037.encode(text)
    assert cp1047.decode(cp1047.encode(text)) == text


def test_every_code_point_round_trips_in_both_code_pages() -> None:
    for name in ("cp037", "cp1047"):
        codec = Ebcdic(name)
        assert codec.encode(codec.decode(bytes(range(256)))) == bytes(range(256))


def test_overlapping_map_items_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "maps.toml"
    path.write_text('[bad]\nliterals = [{ row = 2, col = 2, text = "HELLO" }]\n'
                    'fields = [{ name = "x", row = 2, col = 5, length = 3 }]\n')
    with pytest.raises(ValueError, match="overlaps"):
        load_maps(path)


def test_shipped_maps_load_with_ids_at_row_1_col_2() -> None:
    maps = load_maps(Path(__file__).parents[2] / "fixtures" / "tn3270" / "screens.toml")
    assert {m.literals[0].text for m in maps.values()} == {
        "MBSIGN", "MBMENU", "MBINQ", "MBLIST", "MBHOLD", "MBERR"}
    assert all((m.literals[0].row, m.literals[0].col) == (1, 2) for m in maps.values())
    assert maps["signon"].field("password").attrs == {"hidden"}


def signed_on_session() -> Session:
    bank = Bank()
    session = Session(bank, {"U1": User("PW")})
    menu = session.handle("ENTER", {"userid": "u1", "password": "PW"})
    assert menu is not None and menu.map == "menu"
    return session


def test_accounts_pages_forward_and_back_with_messages_at_the_ends() -> None:
    session = signed_on_session()
    assert session.handle("ENTER", {"option": "2"}) == Screen("accounts")
    first = session.handle("ENTER", {"customer": "C000002"})
    assert first is not None and (first.values["page"], first.values["pages"]) == ("1", "2")
    assert first.values["message"] == "MORE - PRESS F8"
    second = session.handle("PF8", {})
    assert second is not None and second.values["page"] == "2"
    assert "account_2" not in second.values  # the last page holds one account
    bottom = session.handle("PF8", {})
    assert bottom is not None and bottom.values["message"] == "BOTTOM OF LIST"
    back = session.handle("PF7", {})
    assert back is not None and back.values["page"] == "1"
    top = session.handle("PF7", {})
    assert top is not None and top.values["message"] == "TOP OF LIST"


def test_sign_on_refusal_expiry_and_sign_off() -> None:
    session = Session(Bank(), {"U1": User("PW")})
    refused = session.handle("ENTER", {"userid": "U1", "password": "nope"})
    assert refused is not None and refused.map == "signon" and "INVALID" in refused.values[
        "message"]
    session = signed_on_session()
    expired = session.expire()
    assert expired.values["code"] == "EXPIRED" and session.state == "signon"
    session = signed_on_session()
    signed_off = session.handle("PF3", {})
    assert signed_off is not None and signed_off.map == "signon"
    assert session.handle("PF3", {}) is None  # PF3 on the sign-on screen ends the session


def test_hold_refusals() -> None:
    bank = Bank()
    blocked = next(a["account_id"] for a in bank.dataset.accounts if a["status"] == "blocked")
    session = Session(bank, {"U1": User("PW"), "V": User("PW", can_hold=False)})
    session.handle("ENTER", {"userid": "U1", "password": "PW"})
    for fields, expected in [
        ({"account": blocked, "amount": "1.00", "reason": "x"}, "ACCTBLK"),
        ({"account": "1000000001", "amount": "99999999.00", "reason": "x"}, "NSF"),
        ({"account": "0000000000", "amount": "1.00", "reason": "x"}, "ACCTNF"),
    ]:
        session.handle("CLEAR", {})
        session.handle("ENTER", {"option": "3"})
        screen = session.handle("ENTER", fields)
        assert screen is not None and screen.values.get("code") == expected
    assert not bank.placed
