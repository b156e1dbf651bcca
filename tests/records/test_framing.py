"""Record framing: fixed, RDW, BDW (incl. extended BDW), and descriptors that lie."""

from __future__ import annotations

import io

import pytest

from bridges.records import RecordFormat, frame, read_records
from bridges.records.framing import FramingError

RECORDS = [b"a" * 10, b"b" * 300, b"c", b"d" * 4000]


@pytest.mark.parametrize("fmt", [RecordFormat.RDW, RecordFormat.BDW])
def test_variable_round_trip(fmt: RecordFormat) -> None:
    data = b"".join(frame(RECORDS, fmt, block_size=512))
    got = list(read_records(io.BytesIO(data), fmt))
    assert [r for _, r in got] == RECORDS
    assert data[got[0][0]:got[0][0] + 10] == RECORDS[0]  # offsets point at the data


def test_fixed_keeps_a_short_last_record() -> None:
    assert [r for _, r in read_records(io.BytesIO(b"abcdefg"), "fixed", 3)] == \
        [b"abc", b"def", b"g"]


def test_extended_bdw() -> None:
    body = b"".join(frame([b"xyz", b"12345"], RecordFormat.RDW))
    block = (0x80000000 | (len(body) + 4)).to_bytes(4, "big") + body
    assert [r for _, r in read_records(io.BytesIO(block), "bdw")] == [b"xyz", b"12345"]


@pytest.mark.parametrize(("data", "fmt", "message"), [
    (b"\x00\x09\x00\x00abc", "rdw", "file ends inside a record"),
    (b"\x00\x02\x00\x00", "rdw", "too small"),
    (b"\x00\x08\x01\x00abcd", "rdw", "must be zero"),
    (b"\x00\x07", "rdw", "inside a RDW"),
    (b"\x00\x10\x00\x00\x00\x05\x00\x00a", "bdw", "file ends inside a block"),
    (b"\x00\x0c\x00\x00\x00\x09\x00\x00abcd", "bdw", "overruns its block"),
])
def test_lying_descriptors_fail_the_file(data: bytes, fmt: str, message: str) -> None:
    with pytest.raises(FramingError, match=message):
        list(read_records(io.BytesIO(data), fmt))
