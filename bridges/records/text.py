"""Plain-text layouts: fixed-width columns and CSV, declared as data, decoded like copybooks.

A value that does not parse becomes None plus a `FieldError`, as in binary records. Amounts
are exact `Decimal`s; an implied scale (`scale=2`: "000012345" is 123.45) is supported for
the fixed-width files that keep COBOL's habit of storing no decimal point.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from bridges.errors import ConfigError
from bridges.records.layout import FieldError, Record, RecordEncodeError


class TextType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"


@dataclass(frozen=True)
class TextField:
    name: str
    type: TextType = TextType.TEXT
    start: int = 0  # fixed width: 1-based column, as record layouts are printed
    length: int = 0
    scale: int = 0  # implied decimal places for DECIMAL without a point
    date_format: str = "%Y%m%d"

    def parse(self, text: str) -> Any:
        text = text.strip()
        if self.type is TextType.TEXT:
            return text
        if not text:
            return None
        if self.type is TextType.DATE:
            day = datetime.strptime(text, self.date_format).date()
            if day.strftime(self.date_format) != text:  # strptime takes "0261130" as year 261
                raise ValueError(f"{text!r} is not a {self.date_format} date")
            return day
        number = Decimal(text)  # InvalidOperation for garbage
        if not number.is_finite():
            raise InvalidOperation
        if self.type is TextType.INTEGER:
            if number != number.to_integral_value():
                raise ValueError(f"{text!r} is not a whole number")
            return int(number)
        return number.scaleb(-self.scale) if self.scale and "." not in text else number

    def format(self, value: Any) -> str:
        if value is None:
            return ""
        if self.type is TextType.DATE:
            if not isinstance(value, date):
                raise RecordEncodeError(f"{self.name}: expected a date")
            return value.strftime(self.date_format)
        if self.type is TextType.DECIMAL and self.scale:
            number = Decimal(value).scaleb(self.scale)
            if number != number.to_integral_value():
                raise RecordEncodeError(f"{self.name}: {value} has more than {self.scale} "
                                        "decimal places")
            return str(int(number))
        return str(value)


def _parse(fields: Iterable[tuple[TextField, str, int]]) -> tuple[Record, list[FieldError]]:
    values: Record = {}
    errors: list[FieldError] = []
    for f, text, offset in fields:
        try:
            values[f.name] = f.parse(text)
        except (ValueError, InvalidOperation) as exc:
            values[f.name] = None
            reason = str(exc) or f"{text.strip()!r} is not a valid {f.type.value}"
            errors.append(FieldError(f.name, offset, text.encode().hex().upper(), reason))
    return values, errors


@dataclass(frozen=True)
class FixedWidthLayout:
    """Columns at fixed 1-based positions of each text line."""

    fields: tuple[TextField, ...]

    def __post_init__(self) -> None:
        for f in self.fields:
            if f.start < 1 or f.length < 1:
                raise ConfigError(f"{f.name}: fixed-width fields need start >= 1, length >= 1")

    @property
    def width(self) -> int:
        return max(f.start + f.length - 1 for f in self.fields)

    def decode(self, line: str) -> tuple[Record, list[FieldError]]:
        return _parse((f, line[f.start - 1:f.start - 1 + f.length], f.start - 1)
                      for f in self.fields)

    def encode(self, values: Mapping[str, Any]) -> str:
        out = [" "] * self.width
        for f in self.fields:
            text = f.format(values.get(f.name))
            if len(text) > f.length:
                raise RecordEncodeError(f"{f.name}: {text!r} is wider than {f.length}")
            text = text.rjust(f.length) if f.type is not TextType.TEXT else text.ljust(f.length)
            out[f.start - 1:f.start - 1 + f.length] = text
        return "".join(out)

    def read(self, lines: Iterable[str]) -> Iterator[tuple[Record, list[FieldError]]]:
        for line in lines:
            if line.strip():
                yield self.decode(line.rstrip("\r\n"))


@dataclass(frozen=True)
class CsvLayout:
    """Named, typed columns of a delimited file with a header row."""

    fields: tuple[TextField, ...]
    delimiter: str = ","

    def read(self, text: io.TextIOBase | Iterable[str]) -> (
        Iterator[tuple[Record, list[FieldError]]]
    ):
        reader = csv.DictReader(text, delimiter=self.delimiter)
        missing = {f.name for f in self.fields} - set(reader.fieldnames or ())
        if missing:
            raise ConfigError(f"CSV header lacks the columns {sorted(missing)}")
        for row in reader:
            yield _parse((f, row.get(f.name) or "", i) for i, f in enumerate(self.fields))

    def write(self, rows: Iterable[Mapping[str, Any]], out: io.TextIOBase) -> int:
        writer = csv.writer(out, delimiter=self.delimiter, lineterminator="\n")
        writer.writerow([f.name for f in self.fields])
        count = 0
        for row in rows:
            writer.writerow([f.format(row.get(f.name)) for f in self.fields])
            count += 1
        return count
