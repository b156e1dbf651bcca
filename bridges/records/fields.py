"""Elementary field codecs: bytes <-> Python values for text, zoned, packed and binary items.

Decoding never guesses: a byte that is not what the PICTURE promises raises `FieldDecodeError`
with the reason, and the caller records which field and which bytes. Numbers are exact: `int`
for whole numbers, `Decimal` when the PICTURE has decimal places.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from bridges.records.codepages import decode_table
from bridges.records.picture import Category, Picture, Usage

Value = str | int | Decimal | None

# Sign overpunch: the last (or first) digit of a signed zoned number carries the sign in its
# zone. In EBCDIC that is C/D-zone (read as '{A..I' and '}J..R'); ASCII files use the same
# characters by convention, so one rule on decoded characters serves every code page.
POSITIVE_PUNCH = "{ABCDEFGHI"
NEGATIVE_PUNCH = "}JKLMNOPQR"
NEGATIVE_NIBBLES = (0xB, 0xD)
VALID_SIGN_NIBBLES = (0xA, 0xB, 0xC, 0xD, 0xE, 0xF)
EXACT = Context(prec=1000)  # the default 28 digits would round a PIC S9(31) silently


class FieldDecodeError(ValueError):
    """The bytes of one field do not hold what its PICTURE promises."""


class FieldEncodeError(ValueError):
    """A value does not fit its field (too many digits or decimals, wrong type)."""


@dataclass(frozen=True)
class DigitTables:
    """Per code page: what each byte means as a plain digit and as a sign-punched digit."""

    space: int
    plus: int
    minus: int
    digit: tuple[int, ...]  # byte -> 0..9, or -1
    punch_digit: tuple[int, ...]  # byte -> 0..9 for '0'..'9' and overpunch characters, or -1
    punch_sign: tuple[int, ...]  # byte -> +1, -1, or 0 for not a sign-punched digit
    to_digit_char: tuple[bytes, ...]  # 0..9 -> encoded '0'..'9'
    to_punch: tuple[tuple[bytes, ...], tuple[bytes, ...]]  # (positive, negative)[d]


@lru_cache(maxsize=16)
def digit_tables(codepage: str) -> DigitTables:
    chars = decode_table(codepage)
    digit, punch_digit, punch_sign = [-1] * 256, [-1] * 256, [0] * 256
    for byte, ch in enumerate(chars):
        if "0" <= ch <= "9":
            digit[byte] = punch_digit[byte] = int(ch)
            punch_sign[byte] = 1
        elif ch in POSITIVE_PUNCH:
            punch_digit[byte], punch_sign[byte] = POSITIVE_PUNCH.index(ch), 1
        elif ch in NEGATIVE_PUNCH:
            punch_digit[byte], punch_sign[byte] = NEGATIVE_PUNCH.index(ch), -1
    encode = lambda text: text.encode(codepage)  # noqa: E731
    return DigitTables(
        space=encode(" ")[0], plus=encode("+")[0], minus=encode("-")[0],
        digit=tuple(digit), punch_digit=tuple(punch_digit), punch_sign=tuple(punch_sign),
        to_digit_char=tuple(encode(str(d)) for d in range(10)),
        to_punch=(tuple(encode(c) for c in POSITIVE_PUNCH),
                  tuple(encode(c) for c in NEGATIVE_PUNCH)))


@dataclass(frozen=True)
class FieldCodec:
    """How one elementary item is stored: its PICTURE, USAGE, sign form and code page."""

    picture: Picture
    usage: Usage
    size: int
    codepage: str
    sign_leading: bool = False
    sign_separate: bool = False
    justified_right: bool = False
    blank_when_zero: bool = False

    # -- numbers <-> unscaled integers -------------------------------------------------
    def scaled(self, unscaled: int) -> int | Decimal:
        scale = self.picture.scale
        if scale == 0:
            return unscaled
        if scale < 0:
            return unscaled * 10 ** -scale
        return Decimal(unscaled).scaleb(-scale, context=EXACT)

    def unscaled(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
            raise FieldEncodeError(f"expected a number, got {type(value).__name__}")
        try:
            number = Decimal(value).scaleb(self.picture.scale, context=EXACT)
        except InvalidOperation:
            raise FieldEncodeError(f"{value!r} is not a number") from None
        if not number.is_finite() or number != number.to_integral_value():
            raise FieldEncodeError(f"{value} has more decimal places than PICTURE "
                                   f"{self.picture.text} allows (no silent rounding)")
        result = int(number)
        if abs(result) >= 10 ** self.picture.digits and self.usage is not Usage.NATIVE:
            raise FieldEncodeError(f"{value} exceeds PICTURE {self.picture.text}")
        if result < 0 and not self.picture.signed:
            raise FieldEncodeError(f"{value} is negative but PICTURE {self.picture.text} "
                                   "is unsigned")
        return result

    # -- decode ------------------------------------------------------------------------
    def decode(self, raw: bytes) -> Value:
        if len(raw) != self.size:
            raise FieldDecodeError(f"record ends inside the field: {len(raw)} of {self.size} "
                                   "bytes present")
        if self.picture.category is not Category.NUMERIC:
            text = raw.decode(self.codepage, errors="replace")
            return text.lstrip(" ") if self.justified_right else text.rstrip(" ")
        if self.usage is Usage.DISPLAY:
            return self.scaled(self._zoned(raw))
        if self.usage is Usage.PACKED:
            return self.scaled(self._packed(raw))
        return self.scaled(self._binary(raw))

    def _zoned(self, raw: bytes) -> int:
        t = digit_tables(self.codepage)
        if self.blank_when_zero and all(b == t.space for b in raw):
            return 0
        sign = 1
        body = raw
        if self.sign_separate:
            sign_byte = raw[0] if self.sign_leading else raw[-1]
            body = raw[1:] if self.sign_leading else raw[:-1]
            if sign_byte == t.minus:
                sign = -1
            elif sign_byte != t.plus:
                raise FieldDecodeError(f"sign byte {sign_byte:02X} is neither '+' nor '-'")
        number = 0
        last = len(body) - 1
        shown = 2 if self.sign_separate and self.sign_leading else 1  # 1-based in the field
        punch_at = -1 if self.sign_separate else (0 if self.sign_leading else last)
        for i, byte in enumerate(body):
            if i == punch_at:
                d, s = t.punch_digit[byte], t.punch_sign[byte]
                if d < 0:
                    raise FieldDecodeError(f"byte {byte:02X} at position {i + shown} is not "
                                           "a digit or a sign-punched digit")
                if s < 0 and not self.picture.signed:
                    raise FieldDecodeError("negative sign in an unsigned field")
                sign *= s
            else:
                d = t.digit[byte]
                if d < 0:
                    raise FieldDecodeError(f"byte {byte:02X} at position {i + shown} is not a "
                                           "digit")
            number = number * 10 + d
        return sign * number

    def _packed(self, raw: bytes) -> int:
        number = 0
        for i, byte in enumerate(raw):
            high, low = byte >> 4, byte & 0x0F
            if high > 9:
                raise FieldDecodeError(f"nibble {high:X} in byte {i + 1} is not a digit")
            number = number * 10 + high
            if i < len(raw) - 1:
                if low > 9:
                    raise FieldDecodeError(f"nibble {low:X} in byte {i + 1} is not a digit")
                number = number * 10 + low
        sign = raw[-1] & 0x0F
        if sign not in VALID_SIGN_NIBBLES:
            raise FieldDecodeError(f"sign nibble {sign:X} is not a packed-decimal sign")
        if number >= 10 ** self.picture.digits:
            raise FieldDecodeError(f"{number} exceeds PICTURE {self.picture.text}")
        if sign in NEGATIVE_NIBBLES:
            if not self.picture.signed:
                raise FieldDecodeError("negative sign in an unsigned field")
            return -number
        return number

    def _binary(self, raw: bytes) -> int:
        number = int.from_bytes(raw, "big", signed=self.picture.signed)
        if self.usage is Usage.BINARY and abs(number) >= 10 ** self.picture.digits:
            raise FieldDecodeError(f"{number} exceeds PICTURE {self.picture.text} "
                                   "(use COMP-5 for full binary range)")
        return number

    # -- encode ------------------------------------------------------------------------
    def encode(self, value: Any) -> bytes:
        if self.picture.category is not Category.NUMERIC:
            return self._text(value)
        if value is None:
            value = 0
        unscaled = self.unscaled(value)
        if self.usage is Usage.DISPLAY:
            return self._encode_zoned(unscaled)
        if self.usage is Usage.PACKED:
            return self._encode_packed(unscaled)
        try:
            return unscaled.to_bytes(self.size, "big", signed=self.picture.signed)
        except OverflowError:
            raise FieldEncodeError(f"{value} does not fit {self.size} binary bytes") from None

    def _text(self, value: Any) -> bytes:
        text = "" if value is None else value
        if not isinstance(text, str):
            raise FieldEncodeError(f"expected text, got {type(value).__name__}")
        if len(text) > self.size:
            raise FieldEncodeError(f"{len(text)} characters do not fit PICTURE "
                                   f"{self.picture.text} (no silent truncation)")
        text = text.rjust(self.size) if self.justified_right else text.ljust(self.size)
        try:
            data = text.encode(self.codepage)
        except UnicodeEncodeError as exc:
            raise FieldEncodeError(f"{exc.object[exc.start:exc.end]!r} has no code in "
                                   f"{self.codepage}") from None
        if len(data) != self.size:
            raise FieldEncodeError(f"{self.codepage} is not a single-byte code page")
        return data

    def _encode_zoned(self, unscaled: int) -> bytes:
        t = digit_tables(self.codepage)
        digits = [int(c) for c in str(abs(unscaled)).rjust(self.picture.digits, "0")]
        chars = [t.to_digit_char[d] for d in digits]
        negative = unscaled < 0
        if self.sign_separate:
            sign = bytes([t.minus if negative else t.plus])
            return sign + b"".join(chars) if self.sign_leading else b"".join(chars) + sign
        if self.picture.signed:
            at = 0 if self.sign_leading else len(digits) - 1
            chars[at] = t.to_punch[negative][digits[at]]
        return b"".join(chars)

    def _encode_packed(self, unscaled: int) -> bytes:
        sign = 0xD if unscaled < 0 else (0xC if self.picture.signed else 0xF)
        text = str(abs(unscaled)).rjust(self.size * 2 - 1, "0")
        nibbles = [int(c) for c in text] + [sign]
        return bytes(nibbles[i] << 4 | nibbles[i + 1] for i in range(0, len(nibbles), 2))
