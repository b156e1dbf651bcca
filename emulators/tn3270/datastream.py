"""The 3270 data stream, host side: outbound commands and orders, inbound AID and fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# 6-bit values are sent as these graphic bytes (addresses, WCC, field attributes).
CODES = bytes([
    0x40, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F,
    0x50, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F,
    0x60, 0x61, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F,
    0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0x7A, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F,
])

# Commands (the remote, "SNA" codes a TN3270 host sends).
WRITE, ERASE_WRITE, ERASE_WRITE_ALTERNATE = 0xF1, 0xF5, 0x7E
# Write control character bits.
WCC_RESET, WCC_ALARM, WCC_RESTORE, WCC_RESET_MDT = 0x40, 0x04, 0x02, 0x01
# Orders.
SF, SFE, SBA, IC, RA = 0x1D, 0x29, 0x11, 0x13, 0x3C
# Field attribute bits; display is two bits: 00 normal, 08 intensified, 0C non-display.
PROTECTED, NUMERIC, INTENSIFIED, NON_DISPLAY, MDT = 0x20, 0x10, 0x08, 0x0C, 0x01
ATTRIBUTES = {"protected": PROTECTED, "numeric": NUMERIC, "intensified": INTENSIFIED,
              "hidden": NON_DISPLAY}

AIDS = {0x7D: "ENTER", 0x6D: "CLEAR", 0x6C: "PA1", 0x6E: "PA2", 0x6B: "PA3"}
AIDS.update({b: f"PF{n}" for n, b in enumerate(
    [0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0x7A, 0x7B, 0x7C,
     0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0x4A, 0x4B, 0x4C], start=1)})
SHORT_READ = frozenset({"CLEAR", "PA1", "PA2", "PA3"})  # these AIDs carry no field data


def encode_address(address: int) -> bytes:
    if address < 4096:  # 12-bit form: two 6-bit halves as graphic codes
        return bytes([CODES[(address >> 6) & 0x3F], CODES[address & 0x3F]])
    return bytes([(address >> 8) & 0x3F, address & 0xFF])  # 14-bit form


def decode_address(high: int, low: int) -> int:
    if high & 0xC0 == 0:
        return ((high & 0x3F) << 8) | low
    return ((high & 0x3F) << 6) | (low & 0x3F)


class Writer:
    """Builds one outbound record: a command, its WCC, then orders and EBCDIC text."""

    def __init__(self, encode: Callable[[str], bytes], cols: int, command: int = ERASE_WRITE,
                 wcc: int = WCC_RESET | WCC_RESTORE | WCC_RESET_MDT) -> None:
        self._encode = encode
        self.cols = cols
        self.buf = bytearray([command, CODES[wcc & 0x3F]])

    def at(self, row: int, col: int) -> Writer:
        """Set the buffer address to a 1-based (row, col)."""
        self.buf += bytes([SBA]) + encode_address((row - 1) * self.cols + (col - 1))
        return self

    def field(self, attribute: int, color: int | None = None) -> Writer:
        if color is None:
            self.buf += bytes([SF, CODES[attribute & 0x3F]])
        else:  # extended field: 3270 attribute plus a foreground colour
            self.buf += bytes([SFE, 2, 0xC0, CODES[attribute & 0x3F], 0x42, color])
        return self

    def text(self, text: str) -> Writer:
        self.buf += self._encode(text)
        return self

    def cursor(self) -> Writer:
        self.buf.append(IC)
        return self

    def repeat(self, row: int, col: int, char: str) -> Writer:
        """Repeat `char` from the current address up to (not including) (row, col)."""
        address = (row - 1) * self.cols + (col - 1)
        self.buf += bytes([RA]) + encode_address(address) + self._encode(char)
        return self


@dataclass
class Inbound:
    """What the terminal sent: the AID key, the cursor, and each modified field's data."""

    aid: str
    cursor: int
    fields: dict[int, bytes] = field(default_factory=dict)


class InboundError(ValueError):
    """The terminal sent bytes that are not a 3270 inbound record."""


def parse_inbound(record: bytes) -> Inbound:
    """Read Modified format: AID, cursor address, then (SBA address, data) per modified field.

    The address after each SBA is the field's first data position (after its attribute).
    """
    if not record:
        raise InboundError("empty inbound record")
    aid = AIDS.get(record[0])
    if aid is None:
        raise InboundError(f"unknown AID 0x{record[0]:02X}")
    if aid in SHORT_READ or len(record) < 3:
        return Inbound(aid, 0)
    inbound = Inbound(aid, decode_address(record[1], record[2]))
    i, current = 3, -1
    while i < len(record):
        if record[i] == SBA:
            if i + 2 >= len(record):
                raise InboundError("truncated SBA order")
            current = decode_address(record[i + 1], record[i + 2])
            inbound.fields[current] = b""
            i += 3
            continue
        if current < 0:
            raise InboundError("field data before any SBA order")
        inbound.fields[current] += bytes([record[i]])
        i += 1
    return inbound
