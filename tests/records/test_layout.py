"""Layouts: groups, OCCURS, REDEFINES, FILLER, VALUE defaults, decode errors, encode errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bridges.records import Layout, RecordEncodeError

CB = """
       01  ACCT-REC.
           05  ACCT-NO           PIC X(10).
           05  FILLER            PIC X(2).
           05  KIND              PIC X VALUE 'P'.
           05  PERSON.
               10  NAME          PIC X(20).
               10  BORN          PIC 9(8).
           05  COMPANY REDEFINES PERSON.
               10  REG-NO        PIC 9(9) COMP-3.
               10  FILLER        PIC X(23).
           05  BALANCES OCCURS 3 TIMES.
               10  CCY           PIC X(3).
               10  AMT           PIC S9(11)V99 COMP-3.
           05  FLAGS             PIC X(4).
"""


def test_decode_encode_round_trip_with_redefines_and_occurs() -> None:
    layout = Layout.from_copybook(CB)
    assert layout.size == 10 + 2 + 1 + 28 + 3 * 10 + 4 and layout.fixed
    record = {"ACCT-NO": "1000000001", "PERSON": {"NAME": "John Doe", "BORN": 19800131},
              "BALANCES": [{"CCY": "USD", "AMT": Decimal("-12.50")}], "FLAGS": "AB"}
    data = layout.encode(record)
    assert data[10:12] == b"\x40\x40" and data[12:13] == b"\xd7"  # FILLER blank, VALUE 'P'
    values, errors, used = layout.decode(data)
    assert used == layout.size and "FILLER" not in values
    assert values["KIND"] == "P" and values["PERSON"] == record["PERSON"]
    assert values["BALANCES"][0] == {"CCY": "USD", "AMT": Decimal("-12.50")}
    assert values["BALANCES"][1] == {"CCY": "", "AMT": 0}
    # the alternative view of the same bytes does not decode: a soft error, primary intact
    assert values["COMPANY"] == {"REG-NO": None}
    assert [(e.field, e.soft) for e in errors] == [("COMPANY.REG-NO", True)]
    assert layout.encode(values) == data  # the first REDEFINES view given wins


def test_redefines_alternative_written_when_primary_absent() -> None:
    layout = Layout.from_copybook(CB)
    data = layout.encode({"KIND": "C", "COMPANY": {"REG-NO": 123456789}})
    values, errors, _ = layout.decode(data)
    assert values["COMPANY"]["REG-NO"] == 123456789
    assert any(e.field == "PERSON.BORN" and not e.soft for e in errors)


def test_bad_bytes_are_reported_field_by_field() -> None:
    layout = Layout.from_copybook(CB)
    data = bytearray(layout.encode({"ACCT-NO": "1", "PERSON": {"BORN": 20000101}}))
    data[33:34] = b"\x4b"  # a '.' inside BORN
    values, errors, _ = layout.decode(bytes(data[:50]))
    hard = [e for e in errors if not e.soft]
    assert values["PERSON"]["BORN"] is None
    assert hard[0].field == "PERSON.BORN" and hard[0].offset == 33
    assert hard[0].raw == bytes(data[33:41]).hex().upper()
    assert hard[0].raw.startswith("4B")  # the field's own bytes, as they were
    assert "position 1" in hard[0].reason
    assert any(e.field == "BALANCES[0].AMT" and "ends inside" in e.reason for e in hard)


def test_encode_errors_name_the_field() -> None:
    layout = Layout.from_copybook(CB)
    with pytest.raises(RecordEncodeError, match=r"BALANCES\[0\].AMT: .*decimal places"):
        layout.encode({"BALANCES": [{"AMT": Decimal("1.001")}]})
    with pytest.raises(RecordEncodeError, match="4 items given, 3 expected"):
        layout.encode({"BALANCES": [{}] * 4})
    with pytest.raises(RecordEncodeError, match="a group needs a mapping"):
        layout.encode({"PERSON": "John"})


def test_figurative_constants_fill_the_field() -> None:
    layout = Layout.from_copybook("""
       01  R.
           05  A  PIC X(3) VALUE SPACES.
           05  B  PIC X(3) VALUE ZEROS.
           05  C  PIC X(2) VALUE LOW-VALUES.
               88  C-UNSET VALUE LOW-VALUES.
           05  D  PIC X(2) VALUE HIGH-VALUES.
               88  D-MAX   VALUE HIGH-VALUES.
           05  E  PIC S9(3) COMP-3 VALUE ZERO.
               88  E-NONE  VALUE ZERO.
           05  F  PIC X(2).
               88  F-BLANK VALUE SPACES.
    """)
    data = layout.encode({})
    assert data == b"\x40" * 3 + b"\xf0" * 3 + b"\x00\x00" + b"\xff\xff" + b"\x00\x0c" + \
        b"\x40\x40"
    values, errors, _ = layout.decode(data)
    assert errors == []
    for condition in ("C-UNSET", "D-MAX", "E-NONE", "F-BLANK"):
        assert layout.is_true(values, condition), condition
    other, _, _ = layout.decode(layout.encode({"C": "AB", "D": "x", "E": 5, "F": "y"}))
    assert not any(layout.is_true(other, c) for c in ("C-UNSET", "D-MAX", "E-NONE", "F-BLANK"))
