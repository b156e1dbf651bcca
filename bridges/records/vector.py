"""numpy column decoders: one field of every record at once, from a (records x bytes) matrix.

Each returns values plus a mask of rows it rejects; the caller asks the scalar codec why, so
the reasons are the record path's. Work is done column by column on contiguous vectors
(a few passes of n int64 operations per byte of the field), never per record in Python.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from bridges.records.codepages import decode_table
from bridges.records.fields import NEGATIVE_NIBBLES, VALID_SIGN_NIBBLES, FieldCodec, digit_tables

Matrix = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]


@lru_cache(maxsize=16)
def latin1_table(codepage: str) -> npt.NDArray[np.uint8] | None:
    """byte -> Latin-1 code point, when the code page stays inside Latin-1 (cp037, cp500,
    cp1047 and ASCII pages do; cp1140's euro sign does not)."""
    points = [ord(ch) for ch in decode_table(codepage)]
    return np.array(points, dtype=np.uint8) if max(points) < 256 else None


def _utf8_rows(t: Matrix) -> pa.Array:
    """Latin-1 rows -> an Arrow binary array of their UTF-8 encoding. The transcoding runs in
    Python's C codecs over the whole column; only the row offsets are computed here."""
    rows, width = t.shape
    flat = t.tobytes()
    if not (t >= 0x80).any():
        return pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), rows,
                                                    [None, pa.py_buffer(flat)])
    data = flat.decode("latin-1").encode("utf-8")
    offsets = np.zeros(rows + 1, dtype=np.int64)
    np.cumsum(width + (t >= 0x80).sum(axis=1, dtype=np.int64), out=offsets[1:])
    if offsets[-1] < 2 ** 31:
        return pa.BinaryArray.from_buffers(pa.binary(), rows, [None, pa.py_buffer(
            offsets.astype(np.int32)), pa.py_buffer(data)])
    return pa.LargeBinaryArray.from_buffers(pa.large_binary(), rows, [None, pa.py_buffer(
        offsets), pa.py_buffer(data)])


def text_column(s: Matrix, codec: FieldCodec) -> pa.Array | None:
    """Text with trailing blanks dropped, decoded in Arrow; None when not vectorizable."""
    table = latin1_table(codec.codepage)
    if table is None or codec.justified_right:
        return None
    utf8 = _utf8_rows(table[s])
    strings = utf8.cast(pa.large_binary() if pa.types.is_large_binary(utf8.type)
                        else pa.binary()).cast(pa.large_string() if pa.types.is_large_binary(
                            utf8.type) else pa.string())
    return pc.utf8_rtrim(strings, characters=" ")


def zoned(s: Matrix, codec: FieldCodec) -> tuple[Ints, Mask]:
    t = digit_tables(codec.codepage)
    digit = np.array(t.digit, dtype=np.int64)
    rows, width = s.shape
    bad = np.zeros(rows, dtype=bool)
    sign = np.ones(rows, dtype=np.int64)
    first, last = 0, width - 1
    if codec.sign_separate:
        column = s[:, 0] if codec.sign_leading else s[:, -1]
        sign = np.where(column == t.minus, -1, 1)
        bad |= (column != t.minus) & (column != t.plus)
        first, last = (1, width - 1) if codec.sign_leading else (0, width - 2)
        punch_at = -1
    else:
        punch_at = first if codec.sign_leading else last
    value = np.zeros(rows, dtype=np.int64)
    for i in range(first, last + 1):
        column = s[:, i]
        if i == punch_at:
            d = np.array(t.punch_digit, dtype=np.int64)[column]
            sign = np.array(t.punch_sign, dtype=np.int64)[column]
            if not codec.picture.signed:
                bad |= sign < 0
        else:
            d = digit[column]
        bad |= d < 0
        value = value * 10 + d
    if codec.blank_when_zero:
        blank = (s == t.space).all(axis=1)
        bad &= ~blank
        value[blank] = 0
    return value * sign, bad


@lru_cache(maxsize=1)
def _packed_tables() -> tuple[Ints, Mask, Ints, Ints]:
    byte = np.arange(256)
    high, low = byte >> 4, byte & 0x0F
    pair = (high * 10 + low).astype(np.int64)
    valid = (high <= 9) & (low <= 9)
    return pair, valid, high.astype(np.int64), low.astype(np.int64)


def packed(s: Matrix, codec: FieldCodec) -> tuple[Ints, Mask]:
    rows, width = s.shape
    if width > 8:
        return _packed_wide(s, codec)
    # up to 8 bytes: the field as one big-endian integer, its nibbles taken with shifts
    padded = np.zeros((rows, 8), dtype=np.uint8)
    padded[:, 8 - width:] = s
    word = padded.view(">u8").ravel().astype(np.uint64)
    sign = (word & np.uint64(15)).astype(np.int64)
    value = np.zeros(rows, dtype=np.int64)
    bad = ~np.isin(sign, VALID_SIGN_NIBBLES)
    for j in range(2 * width - 1, 0, -1):
        nibble = ((word >> np.uint64(4 * j)) & np.uint64(15)).astype(np.int64)
        bad |= nibble > 9
        value = value * 10 + nibble
    return _signed(value, sign, bad, codec)


def _signed(value: Ints, sign: Ints, bad: Mask, codec: FieldCodec) -> tuple[Ints, Mask]:
    bad |= value >= 10 ** codec.picture.digits
    negative = np.isin(sign, NEGATIVE_NIBBLES)
    if not codec.picture.signed:
        bad |= negative
    return np.where(negative, -value, value), bad


def _packed_wide(s: Matrix, codec: FieldCodec) -> tuple[Ints, Mask]:
    pair, valid, high, low = _packed_tables()
    rows, width = s.shape
    value = np.zeros(rows, dtype=np.int64)
    bad = np.zeros(rows, dtype=bool)
    for i in range(width - 1):
        column = s[:, i]
        bad |= ~valid[column]
        value = value * 100 + pair[column]
    last = s[:, -1]
    value = value * 10 + high[last]
    sign = low[last]
    bad |= (high[last] > 9) | ~np.isin(sign, VALID_SIGN_NIBBLES)
    return _signed(value, sign, bad, codec)


def binary(s: Matrix, codec: FieldCodec) -> tuple[Ints, Mask]:
    kind = "i" if codec.picture.signed else "u"
    value = np.ascontiguousarray(s).view(f">{kind}{codec.size}").ravel().astype(np.int64)
    bad = np.zeros(len(s), dtype=bool)
    if codec.usage.value == "binary":
        bad = np.abs(value) >= 10 ** codec.picture.digits
    return value, bad
