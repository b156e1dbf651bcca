"""The emulator's own tiny EBCDIC record writer, deliberately independent of bridges/records.

It knows only the handful of field forms the settlement files use, written out by hand from
the COBOL rules, so a misunderstanding shared with the bridge's engine cannot hide.
"""

from __future__ import annotations

from decimal import Decimal


def text(value: str, width: int, codepage: str) -> bytes:
    data = value[:width].ljust(width).encode(codepage, errors="replace")
    assert len(data) == width
    return data


def unsigned_zoned(value: int, width: int) -> bytes:
    """PIC 9(n) DISPLAY: EBCDIC digits are F0-F9 in every EBCDIC code page."""
    digits = str(value).rjust(width, "0")
    if len(digits) > width or value < 0:
        raise ValueError(f"{value} does not fit PIC 9({width})")
    return bytes(0xF0 + int(d) for d in digits)


def _unscaled(value: Decimal, scale: int) -> int:
    return int(value.scaleb(scale).to_integral_exact())


def signed_zoned(value: Decimal, width: int, scale: int) -> bytes:
    """PIC S9(n) DISPLAY, trailing embedded sign: the last digit's zone is C (+) or D (-)."""
    number = _unscaled(value, scale)
    body = bytearray(unsigned_zoned(abs(number), width))
    body[-1] = (0xD0 if number < 0 else 0xC0) | (body[-1] & 0x0F)
    return bytes(body)


def leading_separate(value: Decimal, width: int, scale: int) -> bytes:
    """PIC S9(n) SIGN LEADING SEPARATE: '+' is 4E and '-' is 60 in EBCDIC."""
    number = _unscaled(value, scale)
    return (b"\x60" if number < 0 else b"\x4e") + unsigned_zoned(abs(number), width)


def packed(value: Decimal, digits: int, scale: int, signed: bool) -> bytes:
    """COMP-3: digits two per byte, then a sign nibble C/D (F when unsigned)."""
    number = _unscaled(value, scale)
    sign = "D" if number < 0 else ("C" if signed else "F")
    nibbles = str(abs(number)).rjust(digits + (1 - digits % 2), "0") + sign
    return bytes.fromhex(nibbles)


def binary(value: int, size: int) -> bytes:
    return value.to_bytes(size, "big", signed=False)


def rdw(record: bytes) -> bytes:
    return (len(record) + 4).to_bytes(2, "big") + b"\x00\x00" + record
