"""COBOL PICTURE strings and USAGE: what a field holds and how many bytes it takes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Usage(StrEnum):
    DISPLAY = "display"  # one character per digit: zoned decimal or text
    BINARY = "binary"  # COMP, COMP-4, BINARY: big-endian, value limited by the PICTURE digits
    NATIVE = "native"  # COMP-5: big-endian, the whole binary range is valid
    PACKED = "packed"  # COMP-3, PACKED-DECIMAL: two digits a byte, sign in the last nibble


USAGES = {
    "DISPLAY": Usage.DISPLAY, "COMP": Usage.BINARY, "COMPUTATIONAL": Usage.BINARY,
    "COMP-4": Usage.BINARY, "COMPUTATIONAL-4": Usage.BINARY, "BINARY": Usage.BINARY,
    "COMP-5": Usage.NATIVE, "COMPUTATIONAL-5": Usage.NATIVE, "COMP-3": Usage.PACKED,
    "COMPUTATIONAL-3": Usage.PACKED, "PACKED-DECIMAL": Usage.PACKED,
}
# Recognized so the error can say "not supported" rather than "unknown clause".
UNSUPPORTED_USAGES = ("COMP-1", "COMP-2", "COMPUTATIONAL-1", "COMPUTATIONAL-2", "POINTER",
                      "INDEX", "NATIONAL", "COMP-6", "FUNCTION-POINTER", "PROCEDURE-POINTER")


class Category(StrEnum):
    ALPHANUMERIC = "alphanumeric"  # X, A (and mixed X/9)
    NUMERIC = "numeric"  # 9, S, V, P
    EDITED = "edited"  # numeric-edited report pictures (Z, *, ., -, CR ...): kept as text


@dataclass(frozen=True)
class Picture:
    text: str
    category: Category
    length: int  # characters as displayed (excluding S, V, P)
    digits: int = 0  # numeric: count of 9s
    scale: int = 0  # value = unscaled * 10**-scale; negative for trailing P
    signed: bool = False


_REPEAT = re.compile(r"(.)\((\d+)\)")
_EDIT_SYMBOLS = set("ZB0/,.+-*$") | {"C", "R", "D"}


class PictureError(ValueError):
    """A PICTURE string we cannot interpret; the parser adds the line number."""


def expand(text: str) -> str:
    """'S9(3)V99' -> 'S999V99'."""
    def repeat(match: re.Match[str]) -> str:
        count = int(match.group(2))
        if count < 1 or count > 1_000_000:
            raise PictureError(f"repeat count {count} out of range")
        return match.group(1) * count
    expanded = _REPEAT.sub(repeat, text.upper())
    if "(" in expanded or ")" in expanded:
        raise PictureError(f"unbalanced parentheses in PICTURE {text}")
    return expanded


def parse_picture(text: str) -> Picture:
    pic = expand(text)
    if not pic:
        raise PictureError("empty PICTURE")
    if set(pic) <= {"X", "A", "9"} and set(pic) & {"X", "A"}:
        return Picture(text, Category.ALPHANUMERIC, len(pic))
    body = pic[1:] if pic.startswith("S") else pic
    if set(body) <= {"9", "V", "P"}:
        return _numeric(text, body, signed=pic.startswith("S"))
    if set(pic.replace("CR", "").replace("DB", "")) <= _EDIT_SYMBOLS | {"9", "V"}:
        return Picture(text, Category.EDITED, len(pic.replace("V", "")))
    raise PictureError(f"unsupported PICTURE {text}")


def _numeric(text: str, body: str, signed: bool) -> Picture:
    if body.count("V") > 1:
        raise PictureError(f"more than one V in PICTURE {text}")
    digits = fraction = leading_p = trailing_p = 0
    after_v = False
    for ch in body:
        if ch == "V":
            after_v = True
        elif ch == "9":
            digits += 1
            fraction += after_v
            if trailing_p:
                raise PictureError(f"9 after trailing P in PICTURE {text}")
        elif digits == 0:
            leading_p += 1  # PPP999: the digits sit to the right of the decimal point
        else:
            trailing_p += 1  # 999PP: the value is scaled up
    if digits == 0:
        raise PictureError(f"no digit positions in PICTURE {text}")
    if leading_p and (trailing_p or (after_v and body.index("V") > body.index("P"))):
        raise PictureError(f"P on both sides of the point in PICTURE {text}")
    scale = leading_p + digits if leading_p else fraction - trailing_p
    return Picture(text, Category.NUMERIC, digits, digits=digits, scale=scale, signed=signed)


def storage_size(picture: Picture, usage: Usage, sign_separate: bool) -> int:
    """Bytes one occurrence of an elementary item takes."""
    if picture.category is not Category.NUMERIC:
        if usage is not Usage.DISPLAY:
            raise PictureError(f"{usage.value} usage needs a numeric PICTURE, got {picture.text}")
        return picture.length
    if usage is Usage.DISPLAY:
        return picture.digits + (1 if sign_separate else 0)
    if usage is Usage.PACKED:
        return picture.digits // 2 + 1
    if picture.digits <= 4:
        return 2
    if picture.digits <= 9:
        return 4
    if picture.digits <= 18:
        return 8
    raise PictureError(f"binary fields hold at most 18 digits, PICTURE {picture.text} has "
                       f"{picture.digits}")
