"""Plain-text layouts: fixed-width columns and CSV with exact, typed values."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from bridges.records import RecordEncodeError
from bridges.records.text import CsvLayout, FixedWidthLayout, TextField, TextType

FIELDS = (TextField("ACCT", start=1, length=10),
          TextField("AMOUNT", TextType.DECIMAL, start=11, length=9, scale=2),
          TextField("COUNT", TextType.INTEGER, start=20, length=3),
          TextField("DAY", TextType.DATE, start=23, length=8))


def test_fixed_width_round_trip_and_errors() -> None:
    layout = FixedWidthLayout(FIELDS)
    line = layout.encode({"ACCT": "1000000001", "AMOUNT": Decimal("123.45"), "COUNT": 7,
                          "DAY": date(2026, 11, 30)})
    assert line == "1000000001    12345  720261130"
    values, errors = layout.decode(line)
    assert values == {"ACCT": "1000000001", "AMOUNT": Decimal("123.45"), "COUNT": 7,
                      "DAY": date(2026, 11, 30)} and errors == []
    values, errors = layout.decode("1000000001" + "    12x45" + "  7" + "20261131")
    assert values["AMOUNT"] is None and values["DAY"] is None
    assert [e.field for e in errors] == ["AMOUNT", "DAY"]
    with pytest.raises(RecordEncodeError, match="decimal places"):
        layout.encode({"AMOUNT": Decimal("1.234")})
    assert len(list(layout.read(["", line + "\r\n"]))) == 1
    assert layout.decode(line[:22] + "0261130 ")[0]["DAY"] is None  # no lenient dates


def test_csv_layout() -> None:
    layout = CsvLayout((TextField("ID"), TextField("AMOUNT", TextType.DECIMAL)))
    out = io.StringIO()
    assert layout.write([{"ID": "a", "AMOUNT": Decimal("0.10")}, {"ID": "b,c"}], out) == 2
    rows = list(layout.read(io.StringIO(out.getvalue())))
    assert rows == [({"ID": "a", "AMOUNT": Decimal("0.10")}, []),
                    ({"ID": "b,c", "AMOUNT": None}, [])]
    bad = list(layout.read(io.StringIO("ID,AMOUNT\nx,1e\n")))
    assert bad[0][1][0].field == "AMOUNT"
