"""Copybook parsing: shop format, clauses, and errors that point at the line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bridges.records import CopybookError, Layout, layouts, parse_copybook
from bridges.records.picture import Category, Usage, parse_picture


def test_shop_copybook_parses_as_is(stlrec: str) -> None:
    records = layouts(stlrec)
    assert list(records) == ["STL-HEADER", "STL-DETAIL", "STL-TRAILER"]
    detail = records["STL-DETAIL"]
    assert detail.size == 153 and detail.fixed
    assert set(detail.conditions) == {"STL-IS-DEBIT", "STL-IS-CREDIT"}
    assert detail.is_true({"STL-DR-CR": "D"}, "STL-IS-DEBIT")
    assert not detail.is_true({"STL-DR-CR": "C"}, "STL-IS-DEBIT")
    trailer = records["STL-TRAILER"]
    net = trailer.root.children[-1]
    assert net.codec is not None and net.codec.sign_leading and net.codec.sign_separate
    assert "STLREC" not in str([c.name for c in trailer.root.children])  # cols 73-80 ignored


def test_pictures() -> None:
    assert parse_picture("S9(5)V99").digits == 7
    assert parse_picture("S9(5)V99").scale == 2
    assert parse_picture("9(3)PP").scale == -2
    assert parse_picture("PPP9").scale == 4
    assert parse_picture("X(10)").category is Category.ALPHANUMERIC
    assert parse_picture("ZZ,ZZ9.99-").category is Category.EDITED
    assert parse_picture("-ZZ9.99CR").length == 9


FREE = """
* free-form, indented by two
  01 ORDER.
     05 ORDER-ID         PIC X(8).
     05 AMOUNTS          COMP-3.
        10 NET           PIC S9(7)V99.
        10 TAX           PIC S9(5)V99.
     05 STATUS           PIC X VALUE 'O'.
        88 OPEN          VALUE 'O'.
        88 CLOSED        VALUES 'C', 'X'.
        88 ANY-STATE     VALUE 'A' THRU 'Z'.
     05 QTY              PIC 9(3) VALUE ZERO. *> inline comment
     05 LINE-COUNT       PIC S9(4) COMP.
     05 LINES OCCURS 1 TO 5 TIMES DEPENDING ON LINE-COUNT
                         ASCENDING KEY IS SKU INDEXED BY LX.
        10 SKU           PIC X(6).
        10 NOTE          PIC X(20).
"""


def test_clauses_usage_inheritance_and_depending_on() -> None:
    layout = Layout.from_copybook(FREE)
    amounts = layout.root.children[1]
    assert all(c.codec is not None and c.codec.usage is Usage.PACKED for c in amounts.children)
    assert not layout.fixed and layout.size == 8 + 5 + 4 + 1 + 3 + 2 + 5 * 26
    data = layout.encode({"ORDER-ID": "A1", "AMOUNTS": {"NET": Decimal("10.50")},
                          "LINE-COUNT": 2, "LINES": [{"SKU": "X1"}, {"SKU": "Y2", "NOTE": "n"}]})
    assert len(data) == 8 + 5 + 4 + 1 + 3 + 2 + 2 * 26
    values, errors, used = layout.decode(data)
    assert errors == [] and used == len(data)
    assert values["STATUS"] == "O" and values["QTY"] == 0
    assert [line["SKU"] for line in values["LINES"]] == ["X1", "Y2"]
    assert layout.is_true(values, "OPEN") and layout.is_true(values, "ANY-STATE")
    assert not layout.is_true(values, "CLOSED")


def test_continuation_and_implicit_record() -> None:
    text = ("000100     05  GREETING  PIC X(30) VALUE 'HELLO                    \n"
            "000200-    'WORLD'.\n"
            "000250     EJECT\n"
            "000260/    NEW PAGE COMMENT\n"
            "000300     05  N         PIC 9.\n")
    [root] = parse_copybook(text)
    assert root.name == "RECORD"
    assert root.children[0].value == "HELLO                    WORLD"


@pytest.mark.parametrize(("text", "line", "message"), [
    ("01 R.\n   05 A PIC X(3)\n   05 B PIC X.", 3, "unexpected '05'"),
    ("01 R.\n   05 A PIC X(3).\n   05 B PIC X", 3, "not ended by a period"),
    ("01 R.\n   05 A PIC Q(3).", 2, "unsupported PICTURE"),
    ("01 R.\n   05 A PIC X BLINKING.", 2, "unexpected 'BLINKING'"),
    ("01 R.\n   05 A COMP-1.", 2, "COMP-1 is not supported"),
    ("01 R.\n   05 A PIC S9(4) COMP SYNC.", 2, "SYNC is not supported"),
    ("01 R.\n   05 A PIC X.\n   66 B RENAMES A.", 3, "level 66"),
    ("01 R.\n   05 A PIC X.\n   05 B REDEFINES C PIC X.", 3, "not an earlier item"),
    ("01 R.\n   05 N PIC X.\n   05 T OCCURS 1 TO 3 DEPENDING ON M PIC X.", 3, "no numeric"),
    ("01 R.\n   05 A PIC X.\n      10 B PIC X.", 3, "cannot contain"),
    ("01 R.\n   05 A PIC X.\n   05 A PIC X.", 3, "defined twice"),
    ("01 R.\n   05 G.\n   05 B PIC X.", 2, "neither a PICTURE"),
    ("88 X VALUE 'A'.", 1, "before any data item"),
    ("01 R.\n   05 A PIC 9(3) COMP-3 SIGN LEADING SEPARATE.", 2, "needs an S"),
    ("01 R.\n   05 A PIC 9(20) COMP.", 2, "at most 18"),
    ("01 R.\n   05 A PIC X(3) COMP-3.", 2, "needs a numeric"),
])
def test_errors_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(CopybookError, match=message) as caught:
        layouts(text)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"line {line}:")


def test_level_01_redefines_is_another_record_type() -> None:
    records = layouts("""
       01  REC-A.
           05  KIND   PIC X VALUE 'A'.
           05  N      PIC 9(3).
       01  REC-B REDEFINES REC-A.
           05  KIND   PIC X VALUE 'B'.
           05  TEXT   PIC X(3).
    """)
    _, errors, _ = records["REC-B"].decode(b"\xc2\xf1")
    assert errors and not errors[0].soft  # a short record is a real error in REC-B too
