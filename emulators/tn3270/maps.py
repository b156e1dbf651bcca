"""Screen maps declared as data (a small BMS): literals and named fields, rendered as 3270."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulators.tn3270.datastream import ATTRIBUTES, PROTECTED, Writer

COLS, ROWS = 80, 24
COLORS = {"blue": 0xF1, "red": 0xF2, "pink": 0xF3, "green": 0xF4, "turquoise": 0xF5,
          "yellow": 0xF6, "white": 0xF7}
AUTOSKIP = PROTECTED | ATTRIBUTES["numeric"]  # the stop attribute after each field


@dataclass(frozen=True)
class MapField:
    """A field whose first data position is (row, col); its attribute byte sits just before."""

    name: str
    row: int
    col: int
    length: int
    attrs: frozenset[str] = frozenset()
    color: str | None = None

    @property
    def attribute(self) -> int:
        value = 0
        for attr in self.attrs:
            value |= ATTRIBUTES[attr]
        return value

    @property
    def address(self) -> int:
        return (self.row - 1) * COLS + self.col - 1

    @property
    def input(self) -> bool:
        return "protected" not in self.attrs


@dataclass(frozen=True)
class Literal:
    row: int
    col: int
    text: str


@dataclass(frozen=True)
class Rule:
    """A line of one repeated character (sent as a Repeat to Address order)."""

    row: int
    col: int
    length: int
    char: str = "-"


@dataclass(frozen=True)
class ScreenMap:
    name: str
    literals: tuple[Literal, ...]
    fields: tuple[MapField, ...]
    rules: tuple[Rule, ...] = ()

    def field(self, name: str) -> MapField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"map {self.name} has no field {name!r}")

    def render(self, writer: Writer, values: dict[str, str], cursor: str | None = None) -> None:
        """Every literal and field, values cut to their field's length, IC on `cursor`."""
        for lit in self.literals:
            writer.at(lit.row, lit.col - 1).field(PROTECTED).text(lit.text)
        for rule in self.rules:
            writer.at(rule.row, rule.col - 1).field(PROTECTED).repeat(
                rule.row, rule.col + rule.length, rule.char)
        first_input = next((f.name for f in self.fields if f.input), None)
        for f in self.fields:
            color = COLORS[f.color] if f.color else None
            writer.at(f.row, f.col - 1).field(f.attribute, color)
            value = values.get(f.name, "")[: f.length]
            if value:
                writer.text(value)
            if f.name == (cursor or first_input):
                writer.at(f.row, f.col).cursor()
            if f.col + f.length <= COLS:
                writer.at(f.row, f.col + f.length).field(AUTOSKIP)

    def read(self, modified: dict[int, bytes], decode: Callable[[bytes], str]) -> dict[str, str]:
        """The input fields the terminal sent back, by name (nulls and padding removed)."""
        by_address = {f.address: f for f in self.fields if f.input}
        values: dict[str, str] = {}
        for address, data in modified.items():
            f = by_address.get(address)
            if f is not None:
                values[f.name] = decode(data.replace(b"\x00", b"")).strip()[: f.length]
        return values


def _check(screen: ScreenMap) -> None:
    """Every cell belongs to at most one item (attribute bytes included): fail at load."""
    taken: dict[int, str] = {}
    cells: list[tuple[str, int, int, int]] = [
        (f"literal {lit.text!r}", lit.row, lit.col - 1, lit.col + len(lit.text))
        for lit in screen.literals]
    cells += [(f"field {f.name}", f.row, f.col - 1, f.col + f.length) for f in screen.fields]
    cells += [(f"rule {r.char!r}", r.row, r.col - 1, r.col + r.length) for r in screen.rules]
    for label, row, start, end in cells:
        if not (1 <= row <= ROWS and start >= 1 and end - 1 <= COLS):
            raise ValueError(f"map {screen.name}: {label} is off the 24x80 screen")
        for col in range(start, end):
            key = (row - 1) * COLS + col
            if key in taken:
                raise ValueError(f"map {screen.name}: {label} overlaps {taken[key]}")
            taken[key] = label


def _screen(name: str, spec: dict[str, Any]) -> ScreenMap:
    literals = tuple(Literal(**lit) for lit in spec.get("literals", []))
    fields = [MapField(name=f["name"], row=f["row"], col=f["col"], length=f["length"],
                       attrs=frozenset(f.get("attrs", [])), color=f.get("color"))
              for f in spec.get("fields", [])]
    for group in spec.get("rows", []):  # a repeated line: fields name_1 .. name_N
        for i in range(group["count"]):
            fields += [MapField(name=f"{f['name']}_{i + 1}", row=group["first_row"] + i,
                                col=f["col"], length=f["length"],
                                attrs=frozenset(f.get("attrs", ["protected"])))
                       for f in group["fields"]]
    rules = tuple(Rule(**rule) for rule in spec.get("rules", []))
    screen = ScreenMap(name, literals, tuple(sorted(fields, key=lambda f: f.address)), rules)
    _check(screen)
    return screen


def load_maps(path: Path) -> dict[str, ScreenMap]:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return {name: _screen(name, spec) for name, spec in data.items()}
