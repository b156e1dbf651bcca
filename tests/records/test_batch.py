"""Multi-record files: header/detail/trailer, control totals, bad-record policy, writing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from bridges.records import (
    ControlTotals,
    ErrorPolicy,
    FileSpec,
    RecordFormat,
    encode_batch,
    frame,
    read_batch,
)
from bridges.records.batch import BadRecordError, ControlTotalsError, Role
from emulators.sftp.settlement import PARTNERS, SettlementBook

CONTROL = ControlTotals("STL-RECORD-COUNT", "STL-AMOUNT-TOTAL", "STL-AMOUNT")


def spec(stlrec: str, fmt: RecordFormat = RecordFormat.FIXED, codepage: str = "cp037",
         **options: object) -> FileSpec:
    return FileSpec.from_copybook(stlrec, codepage, format=fmt, control=CONTROL,
                                  **options)  # type: ignore[arg-type]


def test_settlement_files_decode_and_verify(stlrec: str, book: SettlementBook,
                                            fixed_file: bytes, rdw_file: bytes) -> None:
    for data, s, partner in ((fixed_file, spec(stlrec), PARTNERS[0]),
                             (rdw_file, spec(stlrec, RecordFormat.RDW, "cp500"), PARTNERS[1])):
        details, reader = read_batch(io.BytesIO(data), s)
        rows = book.rows(partner, book.days[-1])
        assert [d.values["STL-TXN-ID"] for d in details] == [r["txn_id"] for r in rows]
        assert [d.values["STL-AMOUNT"] for d in details] == [Decimal(r["amount"]) for r in rows]
        assert reader.totals.status == "verified"
        assert reader.header is not None and reader.header.role is Role.HEADER
        assert reader.header.values["STL-PARTNER"] == partner.name.upper()
        assert reader.trailer is not None
        net = sum(Decimal(r["amount"]) * (-1 if r["direction"] == "D" else 1) for r in rows)
        assert reader.trailer.values["STL-NET-TOTAL"] == net


def _corrupt(data: bytes, record: int, offset: int, byte: int) -> bytes:
    out = bytearray(data)
    out[record * 153 + offset] = byte
    return bytes(out)


def test_bad_record_fails_the_file_by_default(stlrec: str, fixed_file: bytes) -> None:
    bad = _corrupt(fixed_file, 2, 68, 0xFA)  # a nibble A inside STL-AMOUNT (COMP-3)
    with pytest.raises(BadRecordError, match=r"record 2 .*STL-AMOUNT.*nibble") as caught:
        read_batch(io.BytesIO(bad), spec(stlrec))
    assert caught.value.detail["errors"][0]["raw"].startswith("FA")


def test_quarantine_sets_bad_records_aside(stlrec: str, fixed_file: bytes) -> None:
    bad = _corrupt(fixed_file, 2, 68, 0xFA)
    details, reader = read_batch(io.BytesIO(bad), spec(stlrec, policy=ErrorPolicy.QUARANTINE))
    assert [q.index for q in reader.quarantined] == [2]
    assert len(details) == reader.totals.details - 1
    assert reader.totals.status.startswith("unverifiable")
    with pytest.raises(BadRecordError, match="more than 0 bad records"):
        read_batch(io.BytesIO(bad), spec(stlrec, policy=ErrorPolicy.QUARANTINE,
                                         max_quarantined=0))


def test_control_total_mismatch_and_truncation(stlrec: str, fixed_file: bytes) -> None:
    wrong = _corrupt(fixed_file, 1, 25, 0xF9)  # an account digit: still valid, totals hold
    read_batch(io.BytesIO(wrong), spec(stlrec))
    amount = bytearray(fixed_file)
    amount[153 + 72] = 0x99  # change an amount's digits: the trailer sum no longer matches
    with pytest.raises(ControlTotalsError, match="differs"):
        read_batch(io.BytesIO(bytes(amount)), spec(stlrec))
    with pytest.raises(ControlTotalsError, match="no trailer"):
        read_batch(io.BytesIO(fixed_file[:153 * 4]), spec(stlrec))
    with pytest.raises(ControlTotalsError, match="says"):
        read_batch(io.BytesIO(fixed_file[:153] + fixed_file[306:]), spec(stlrec))
    with pytest.raises(ControlTotalsError, match="follows the trailer"):
        read_batch(io.BytesIO(fixed_file + fixed_file[153:306]), spec(stlrec))


def test_unknown_record_type_is_a_bad_record(stlrec: str, fixed_file: bytes) -> None:
    bad = _corrupt(fixed_file, 3, 0, 0xE7)  # 'X'
    with pytest.raises(BadRecordError, match="unknown record type 'X'"):
        read_batch(io.BytesIO(bad), spec(stlrec))


@pytest.mark.parametrize("fmt", list(RecordFormat))
def test_encode_batch_round_trip(stlrec: str, fmt: RecordFormat) -> None:
    s = spec(stlrec, fmt, "cp1047")
    details = [{"STL-TXN-ID": f"T{i}", "STL-AMOUNT": Decimal(i) / 4, "STL-DR-CR": "C",
                "STL-DESCRIPTION": "[x] ^ ¬"} for i in range(1, 6)]
    records, totals = encode_batch(s, details, header={"STL-PARTNER": "X"})
    assert totals.amount == Decimal("3.75") and totals.records == 7
    data = b"".join(frame(records, fmt))
    got, reader = read_batch(io.BytesIO(data), s)
    assert [g.values["STL-AMOUNT"] for g in got] == [d["STL-AMOUNT"] for d in details]
    assert got[0].values["STL-DESCRIPTION"] == "[x] ^ ¬"
    assert reader.totals.status == "verified"
    assert reader.trailer is not None and reader.trailer.values["STL-RECORD-COUNT"] == 5
