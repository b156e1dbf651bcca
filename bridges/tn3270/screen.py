"""What a 3270 screen shows: text by 1-based (row, col, length), fields, signatures."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field

from bridges.errors import MappingError, ProtocolError

_PROTECTED, _DISPLAY, _HIDDEN = 0x20, 0x0C, 0x0C
_SF = re.compile(rb"SF\((?:[^)]*?c0=([0-9a-fA-F]{2}))?[^)]*\)")
_SA = re.compile(rb"SA\([^)]*\)")
_MARK = re.compile("\x1f")  # where each SF token was: a field attribute's cell
_BLANK_CONTROLS = {i: " " for i in range(0x20)}


@dataclass(frozen=True)
class ScreenField:
    """A field from its first data position (1-based), as the host's attribute byte set it."""

    row: int
    col: int
    length: int
    attribute: int
    text: str

    @property
    def protected(self) -> bool:
        return bool(self.attribute & _PROTECTED)

    @property
    def hidden(self) -> bool:
        return self.attribute & _DISPLAY == _HIDDEN


class Signature(BaseModel):
    """Text that identifies a screen at a 1-based position (a CICS map id, a title)."""

    text: str = Field(min_length=1)
    row: int = Field(ge=1)
    col: int = Field(ge=1)


class FieldAt(BaseModel):
    """A field by 1-based (row, col, length), or by the label printed before it."""

    row: int | None = Field(default=None, ge=1)
    col: int | None = Field(default=None, ge=1)
    length: int | None = Field(default=None, ge=1)
    label: str | None = None


@dataclass(frozen=True)
class Screen:
    rows: tuple[str, ...]
    fields: tuple[ScreenField, ...]
    cursor: tuple[int, int] = (1, 1)
    locked: bool = False

    @classmethod
    def from_buffer(cls, lines: Sequence[bytes], cursor: tuple[int, int] = (1, 1),
                    locked: bool = False) -> Screen:
        """Parse s3270 `ReadBuffer(Ascii)` output (run with -utf8): hex cells, SF(...) starts.

        Hidden (non-display) fields are blanked here, so a typed password never reaches a
        cassette, a log or an error message.
        """
        joined = b" ".join(lines)
        try:
            attributes = [int(m.group(1) or b"0", 16) for m in _SF.finditer(joined)]
            hexed = _SA.sub(b"", _SF.sub(b"1f", joined)).decode("ascii")
            text = bytes.fromhex(hexed).decode("utf-8")  # in C: fast for 1,920+ cells
        except (ValueError, UnicodeDecodeError) as exc:
            raise ProtocolError(f"unreadable screen buffer: {exc}") from None
        starts = [(m.start(), a) for m, a in zip(_MARK.finditer(text), attributes, strict=True)]
        text = text.translate(_BLANK_CONTROLS)
        bounds = [(index + 1, starts[i + 1][0] if i + 1 < len(starts) else len(text), attribute)
                  for i, (index, attribute) in enumerate(starts)]
        for first, end, attribute in bounds:
            if attribute & _DISPLAY == _HIDDEN:
                text = text[:first] + " " * (end - first) + text[end:]
        width = 80
        fields = tuple(ScreenField(first // width + 1, first % width + 1, end - first, attribute,
                                   text[first:end]) for first, end, attribute in bounds)
        rows = tuple(text[r:r + width] for r in range(0, len(text), width))
        return cls(rows, fields, cursor, locked)

    def text(self, row: int, col: int, length: int) -> str:
        if not 1 <= row <= len(self.rows):
            raise MappingError(f"row {row} is off the screen")
        return self.rows[row - 1][col - 1:col - 1 + length]

    def shows(self, signature: Signature) -> bool:
        return self.text(signature.row, signature.col, len(signature.text)) == signature.text

    def field_at(self, row: int, col: int) -> ScreenField | None:
        return next((f for f in self.fields if f.row == row and f.col == col), None)

    def locate(self, ref: FieldAt) -> tuple[int, int, int]:
        """(row, col, length) of a field reference on this screen."""
        if ref.label is not None:
            for r, line in enumerate(self.rows, start=1):
                at = line.find(ref.label)
                if at >= 0:
                    after = [f for f in self.fields if f.row == r and f.col > at + len(ref.label)]
                    if after:
                        f = min(after, key=lambda f: f.col)
                        return f.row, f.col, ref.length or f.length
            raise MappingError(f"no field labelled {ref.label!r} on this screen")
        if ref.row is None or ref.col is None:
            raise MappingError("a field needs (row, col) or a label")
        if ref.length is None:
            found = self.field_at(ref.row, ref.col)
            if found is None:
                raise MappingError(f"no field starts at ({ref.row}, {ref.col})")
            return ref.row, ref.col, found.length
        return ref.row, ref.col, ref.length

    def read(self, ref: FieldAt) -> str:
        row, col, length = self.locate(ref)
        return self.text(row, col, length).strip()

    def to_json(self) -> list[str]:
        return [line.rstrip() for line in self.rows]
