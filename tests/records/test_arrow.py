"""The vectorized Arrow path equals the record-by-record path on every test file."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest

from bridges.records import (
    ControlTotals,
    FileSpec,
    Layout,
    RecordFormat,
    frame,
    layouts,
    read_records,
)
from bridges.records.arrow import decode_kinds_fast, decode_table_fast
from bridges.records.layout import FieldError
from tests.records.test_layout import CB


def record_path(data: bytes, layout: Layout, length: int | None = None) -> (
    tuple[list[dict[str, Any]], list[tuple[int, FieldError]]]
):
    values: list[dict[str, Any]] = []
    errors: list[tuple[int, FieldError]] = []
    for index, (_, raw) in enumerate(read_records(io.BytesIO(data), "fixed",
                                                  length or layout.size)):
        v, e, _ = layout.decode(raw)
        values.append(v)
        errors += [(index, x) for x in e]
    return values, sorted(errors, key=lambda i: (i[0], i[1].offset, i[1].field))


def assert_same(data: bytes, layout: Layout, length: int | None = None) -> None:
    table, errors = decode_table_fast(data, layout, length)
    values, expected_errors = record_path(data, layout, length)
    assert table.to_pylist() == values
    assert errors == expected_errors


def test_settlement_files_fast_equals_record_path(stlrec: str, fixed_file: bytes) -> None:
    spec = FileSpec.from_copybook(stlrec, "cp037", control=ControlTotals())
    tables = decode_kinds_fast(fixed_file, spec)
    for kind in spec.kinds.values():
        table, errors = tables[kind.layout.name]
        expected = [kind.layout.decode(raw)[0]
                    for _, raw in read_records(io.BytesIO(fixed_file), "fixed", 153)
                    if raw[:1] == kind.layout.encode({})[:1]]
        assert table.to_pylist() == expected and errors == []
    assert tables["STL-DETAIL"][0].num_rows == len(fixed_file) // 153 - 2


def test_corrupt_and_truncated_files(stlrec: str, fixed_file: bytes) -> None:
    detail = layouts(stlrec)["STL-DETAIL"]
    details = b"".join(raw for _, raw in read_records(io.BytesIO(fixed_file), "fixed", 153)
                       if raw[:1] == b"\xc4")
    rng = np.random.default_rng(7)
    noisy = bytearray(details)
    for pos in rng.integers(0, len(noisy), size=60):
        noisy[int(pos)] = int(rng.integers(0, 256))
    for data in (details, bytes(noisy), details[:-40], bytes(noisy)[: 153 * 3 + 70]):
        assert_same(data, detail)
    _, errors = decode_table_fast(bytes(noisy), detail)
    assert errors, "the noise must have produced decode errors"


def test_groups_occurs_redefines_and_all_usages() -> None:
    layout = Layout.from_copybook(CB)
    records = [layout.encode({"ACCT-NO": str(i), "PERSON": {"NAME": f"Zoë {i}", "BORN": i},
                              "BALANCES": [{"CCY": "EUR", "AMT": i * 7 - 50}] * 3})
               for i in range(40)]
    data = bytearray(b"".join(records))
    data[50] = 0x0A  # a bad packed nibble in one occurrence
    assert_same(bytes(data), layout)
    edge = Layout.from_copybook("""
       01  R.
           05  A  PIC S9(4) COMP.
           05  B  PIC 9(9) COMP-5.
           05  C  PIC S9(18) COMP-5.
           05  D  PIC 9(3)PP.
           05  E  PIC SVPP9(2) SIGN LEADING SEPARATE.
           05  F  PIC S9(20) COMP-3.
           05  G  PIC X(5) JUSTIFIED RIGHT.
           05  H  PIC 9(2) BLANK WHEN ZERO.
           05  I  PIC -ZZ9.99.
    """)
    rows = [edge.encode({"A": -9999, "B": 4_000_000_000, "C": -(10 ** 18 - 1), "D": 99900,
                         "E": "-0.0099", "F": 10 ** 20 - 1, "G": "ab", "H": 0, "I": " -12.50"}),
            edge.encode({})]
    blank = bytearray(rows[1])
    blank[-9:-7] = b"\x40\x40"  # BLANK WHEN ZERO: spaces read as 0
    assert_same(b"".join(rows) + bytes(blank), edge)


def test_fast_path_refuses_variable_layouts() -> None:
    layout = Layout.from_copybook("""
       01 R.
          05 N PIC 9.
          05 T OCCURS 0 TO 3 DEPENDING ON N PIC X.""")
    with pytest.raises(Exception, match="fixed-length"):
        decode_table_fast(b"0", layout)


@pytest.mark.parametrize("length", [None, 200])
def test_longer_records_than_the_layout(stlrec: str, length: int | None) -> None:
    detail = layouts(stlrec)["STL-DETAIL"]
    data = b"".join(frame([detail.encode({"STL-TXN-ID": "T1"}).ljust(length or 153, b"\x40")
                           for _ in range(3)], RecordFormat.FIXED))
    assert_same(data, detail, length)


def test_comp5_values_beyond_the_picture() -> None:
    layout = Layout.from_copybook("""
       01  R.
           05  N  PIC V9(1) COMP-5.
           05  M  PIC S9(2)V9 COMP-5.
    """)
    data = b"\x0a\x00\xff\xff\x00\x00\x80\x00" + b"\x0a"  # 256.0, -0.1, 0.0, -3276.8, short
    table, _ = decode_table_fast(data, layout)
    assert table.column("N").to_pylist()[0] == 256
    assert_same(data, layout)
