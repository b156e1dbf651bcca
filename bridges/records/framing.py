"""Record framing: split a file into records (fixed, RDW variable, BDW+RDW blocked) and back.

Readers stream from a binary file object and yield (file offset, record bytes). A length word
that cannot be right (zero, too short, beyond the end) raises `FramingError`: after it the
record boundaries are unknowable, so the file cannot be trusted past that point. A short last
fixed-length record is yielded as is, for the decoder to report field by field.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import BinaryIO

from bridges.errors import ConfigError, MappingError

CHUNK = 1 << 20


class RecordFormat(StrEnum):
    FIXED = "fixed"  # RECFM=F/FB: every record the same length, no descriptors
    RDW = "rdw"  # RECFM=V: each record led by a 4-byte record descriptor word
    BDW = "bdw"  # RECFM=VB: blocks led by a block descriptor word, holding RDW records


class FramingError(MappingError):
    """The file's record or block descriptors are inconsistent."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"at byte {offset}: {message}", detail={"offset": offset})
        self.offset = offset


def _exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    while len(data) < size:
        more = stream.read(size - len(data))
        if not more:
            break
        data += more
    return data


def read_fixed(stream: BinaryIO, length: int) -> Iterator[tuple[int, bytes]]:
    if length < 1:
        raise ConfigError("record length must be at least 1")
    offset = 0
    per_chunk = max(1, CHUNK // length) * length
    while chunk := _exactly(stream, per_chunk):
        for start in range(0, len(chunk), length):
            yield offset + start, chunk[start:start + length]
        offset += len(chunk)


def _rdw_length(word: bytes, offset: int, what: str = "RDW") -> int:
    if len(word) < 4:
        raise FramingError(f"file ends inside a {what} ({len(word)} of 4 bytes)", offset)
    length = int.from_bytes(word[:2], "big")
    if what == "RDW" and word[2:4] != b"\x00\x00":
        raise FramingError(f"RDW {word.hex().upper()}: bytes 3-4 must be zero "
                           "(spanned records are not supported)", offset)
    if length < 5 if what == "RDW" else length < 8:
        raise FramingError(f"{what} length {length} is too small", offset)
    return length


def read_rdw(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    offset = 0
    while word := _exactly(stream, 4):
        length = _rdw_length(word, offset)
        body = _exactly(stream, length - 4)
        if len(body) < length - 4:
            raise FramingError(f"file ends inside a record: RDW says {length - 4} bytes, "
                               f"{len(body)} present", offset)
        yield offset + 4, body
        offset += length


def read_bdw(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    offset = 0
    while word := _exactly(stream, 4):
        if len(word) == 4 and word[0] & 0x80:  # extended BDW: 31-bit length in 4 bytes
            length = int.from_bytes(word, "big") & 0x7FFFFFFF
        else:
            length = _rdw_length(word, offset, "BDW")
        block = _exactly(stream, length - 4)
        if len(block) < length - 4:
            raise FramingError(f"file ends inside a block: BDW says {length - 4} bytes, "
                               f"{len(block)} present", offset)
        pos = 0
        while pos < len(block):
            size = _rdw_length(block[pos:pos + 4], offset + 4 + pos)
            if pos + size > len(block):
                raise FramingError(f"record of {size} bytes overruns its block",
                                   offset + 4 + pos)
            yield offset + 4 + pos + 4, block[pos + 4:pos + size]
            pos += size
        offset += length


def read_records(stream: BinaryIO, fmt: RecordFormat | str,
                 length: int | None = None) -> Iterator[tuple[int, bytes]]:
    fmt = RecordFormat(fmt)
    if fmt is RecordFormat.FIXED:
        if length is None:
            raise ConfigError("fixed-length records need a record length")
        return read_fixed(stream, length)
    return read_rdw(stream) if fmt is RecordFormat.RDW else read_bdw(stream)


def rdw(record: bytes) -> bytes:
    if len(record) + 4 > 0xFFFF:
        raise ConfigError(f"a {len(record)}-byte record does not fit an RDW")
    return (len(record) + 4).to_bytes(2, "big") + b"\x00\x00" + record


def frame(records: Iterable[bytes], fmt: RecordFormat | str, block_size: int = 27998) -> (
    Iterator[bytes]
):
    """The byte chunks of a file holding `records` in the given format."""
    fmt = RecordFormat(fmt)
    if fmt is RecordFormat.FIXED:
        yield from records
        return
    if fmt is RecordFormat.RDW:
        yield from (rdw(r) for r in records)
        return
    block: list[bytes] = []
    used = 4
    for record in records:
        framed = rdw(record)
        if block and used + len(framed) > block_size:
            yield used.to_bytes(2, "big") + b"\x00\x00" + b"".join(block)
            block, used = [], 4
        block.append(framed)
        used += len(framed)
    if block:
        yield used.to_bytes(2, "big") + b"\x00\x00" + b"".join(block)
