"""Record layouts compiled from copybooks: decode bytes to nested dicts and encode them back.

Keys are the copybook's names; groups nest as dicts, OCCURS as lists, FILLER is left out.
Decoding never raises on bad data: each field that fails becomes None plus a `FieldError`
saying which field, which bytes and why. Encoding is our own outbound data, so it fails loudly.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from bridges.errors import MappingError
from bridges.records.codepages import check_codepage
from bridges.records.copybook import (
    Condition,
    CopybookError,
    Fill,
    Item,
    SourceFormat,
    parse_copybook,
)
from bridges.records.fields import FieldCodec, FieldDecodeError, FieldEncodeError, Value
from bridges.records.picture import Category, PictureError, Usage, storage_size

Record = dict[str, Any]


@dataclass(frozen=True)
class FieldError:
    """One field of one record that could not be decoded."""

    field: str  # path, e.g. "TXN-AMOUNT" or "ENTRIES[2].CODE"
    offset: int  # byte offset inside the record
    raw: str  # the field's bytes, hex
    reason: str
    soft: bool = False  # inside a REDEFINES alternative: the primary view still decoded

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "offset": self.offset, "raw": self.raw,
                "reason": self.reason}


class RecordEncodeError(MappingError):
    """A value does not fit the layout; nothing is written."""


@dataclass(frozen=True)
class Node:
    """A compiled item: its codec (elementary) or children (group), sizes and static offset."""

    name: str
    line: int
    size: int  # bytes of one occurrence (the maximum when variable)
    codec: FieldCodec | None = None
    children: tuple[Node, ...] = ()
    occurs: int | None = None
    occurs_min: int = 0
    depending_on: str | None = None
    redefines: str | None = None
    alternative: bool = False  # this item or an ancestor REDEFINES another
    offset: int | None = None  # from the record start; None after a variable-length part
    variable: bool = False  # contains OCCURS DEPENDING ON
    value: Any = None  # VALUE clause: written when the caller gives none
    conditions: tuple[Condition, ...] = ()

    @property
    def is_filler(self) -> bool:
        return self.name == "FILLER"

    @property
    def total_size(self) -> int:
        return self.size * (self.occurs or 1)


@dataclass
class _Inherited:
    usage: Usage | None
    sign_leading: bool | None
    alternative: bool


def _compile(item: Item, codepage: str, inherited: _Inherited, offset: int | None) -> Node:
    usage = item.usage or inherited.usage
    sign_leading = item.sign_leading if item.sign_leading is not None else inherited.sign_leading
    alternative = inherited.alternative or item.redefines is not None
    if item.occurs is not None and item.occurs < 1:
        raise CopybookError(f"{item.name}: OCCURS needs a count of at least 1", item.line)
    common: dict[str, Any] = {"name": item.name, "line": item.line, "occurs": item.occurs,
              "occurs_min": item.occurs_min or 0, "depending_on": item.depending_on,
              "redefines": item.redefines, "alternative": alternative, "offset": offset,
              "value": item.value, "conditions": tuple(item.conditions)}
    if item.picture is not None:
        if item.children:
            raise CopybookError(f"{item.name} has a PICTURE and children", item.line)
        try:
            size = storage_size(item.picture, usage or Usage.DISPLAY, item.sign_separate)
        except PictureError as exc:
            raise CopybookError(f"{item.name}: {exc}", item.line) from None
        if item.sign_separate and not item.picture.signed:
            raise CopybookError(f"{item.name}: SIGN SEPARATE needs an S in the PICTURE",
                                item.line)
        codec = FieldCodec(item.picture, usage or Usage.DISPLAY, size, codepage,
                           sign_leading=bool(sign_leading), sign_separate=item.sign_separate,
                           justified_right=item.justified_right,
                           blank_when_zero=item.blank_when_zero)
        return Node(size=size, codec=codec, variable=item.depending_on is not None, **common)
    if not item.children:
        raise CopybookError(f"{item.name} has neither a PICTURE nor subordinate items",
                            item.line)
    children: list[Node] = []
    starts: dict[str, int | None] = {}
    ends: dict[str, int] = {}
    cursor, static, variable = 0, offset is not None, False
    names: set[str] = set()
    for child_item in item.children:
        if child_item.name in names and child_item.name != "FILLER":
            raise CopybookError(f"{child_item.name} is defined twice in {item.name}",
                                child_item.line)
        names.add(child_item.name)
        start = cursor
        if child_item.redefines is not None:
            if child_item.redefines not in ends:
                raise CopybookError(f"{child_item.name} REDEFINES {child_item.redefines}, "
                                    f"which is not an earlier item of {item.name}",
                                    child_item.line)
            start = ends[child_item.redefines]
        child_offset = offset + start if static and offset is not None else None
        child = _compile(child_item, codepage, _Inherited(usage, sign_leading, alternative),
                         child_offset)
        if child.redefines and child.variable:
            raise CopybookError(f"{child.name}: OCCURS DEPENDING ON inside REDEFINES is not "
                                "supported", child.line)
        ends[child.name] = start
        starts[child.name] = child_offset
        cursor = max(cursor, start + child.total_size)
        variable = variable or child.variable
        static = static and not child.variable
        children.append(child)
    return Node(size=cursor, children=tuple(children),
                variable=variable or item.depending_on is not None, **common)


class Layout:
    """One record type of a copybook, compiled for one code page."""

    def __init__(self, item: Item, codepage: str = "cp037") -> None:
        self.codepage = check_codepage(codepage)
        if item.occurs is not None:
            raise CopybookError(f"record {item.name} cannot have OCCURS", item.line)
        # 01 B REDEFINES A: another record type over the same buffer, a layout of its own
        item = replace(item, redefines=None)
        self.root = _compile(item, self.codepage, _Inherited(None, None, False), 0)
        self.name = item.name
        self.size = self.root.size  # the maximum when the record is variable
        self.fixed = not self.root.variable
        self.conditions = {c.name: (path, node, c) for path, node in self.leaves()
                           for c in node.conditions}
        self._check_depending()

    @classmethod
    def from_copybook(cls, text: str, codepage: str = "cp037", record: str | None = None,
                      source_format: SourceFormat = "auto") -> Layout:
        """The named 01 record (default: the first) of a copybook's text."""
        records = layouts(text, codepage, source_format)
        if record is None:
            return next(iter(records.values()))
        if record.upper() not in records:
            raise CopybookError(f"no 01 record {record!r}; the copybook has {list(records)}")
        return records[record.upper()]

    # -- structure -----------------------------------------------------------------------
    def leaves(self, node: Node | None = None, prefix: str = "") -> Iterator[tuple[str, Node]]:
        """(path, node) of every named elementary item; occurrences as `NAME[]`."""
        for child in (node or self.root).children:
            if child.is_filler:
                continue
            path = prefix + child.name + ("[]" if child.occurs else "")
            if child.codec is not None:
                yield path, child
            else:
                yield from self.leaves(child, path + ".")

    def _check_depending(self) -> None:
        names = {node.name: node for _, node in self.leaves()}
        for path, node in self._all(self.root, ""):
            if node.depending_on is None:
                continue
            counter = names.get(node.depending_on)
            if counter is None or counter.codec is None or \
                    counter.codec.picture.category is not Category.NUMERIC:
                raise CopybookError(f"{path} DEPENDING ON {node.depending_on}: no numeric item "
                                    "of that name", node.line)

    def _all(self, node: Node, prefix: str) -> Iterator[tuple[str, Node]]:
        for child in node.children:
            path = prefix + child.name
            yield path, child
            yield from self._all(child, path + ".")

    def is_true(self, record: Mapping[str, Any], condition: str) -> bool:
        """Evaluate a level-88 condition name against a decoded record."""
        if condition not in self.conditions:
            raise KeyError(condition)
        path, _, cond = self.conditions[condition]
        value: Any = record
        for part in path.split("."):
            value = value.get(part.removesuffix("[]")) if isinstance(value, Mapping) else None
        return value is not None and any(_within(value, low, high, self.codepage)
                                         for low, high in cond.values)

    # -- decode --------------------------------------------------------------------------
    def decode(self, data: bytes) -> tuple[Record, list[FieldError], int]:
        """(values, field errors, bytes used). Never raises on bad data."""
        errors: list[FieldError] = []
        scope: dict[str, Value] = {}
        values: Record = {}
        end = self._group(self.root, data, 0, values, errors, "", scope)
        return values, errors, end

    def _group(self, node: Node, data: bytes, pos: int, out: Record, errors: list[FieldError],
               prefix: str, scope: dict[str, Value]) -> int:
        starts: dict[str, int] = {}
        cursor = pos
        for child in node.children:
            start = starts[child.redefines] if child.redefines else cursor
            starts[child.name] = start
            value, end = self._item(child, data, start, errors, prefix + child.name, scope)
            if not child.is_filler:
                out[child.name] = value
            cursor = max(cursor, end)
        return cursor

    def _item(self, node: Node, data: bytes, pos: int, errors: list[FieldError], path: str,
              scope: dict[str, Value]) -> tuple[Any, int]:
        if node.occurs is None:
            return self._one(node, data, pos, errors, path, scope)
        count = node.occurs
        if node.depending_on is not None:
            count = self._count(node, scope, path, pos, errors)
        items = []
        for i in range(count):
            value, pos = self._one(node, data, pos, errors, f"{path}[{i}]", scope)
            items.append(value)
        return items, pos

    def _count(self, node: Node, scope: dict[str, Value], path: str, pos: int,
               errors: list[FieldError]) -> int:
        count = scope.get(node.depending_on or "")
        if isinstance(count, int) and node.occurs_min <= count <= (node.occurs or 0):
            return count
        errors.append(FieldError(path, pos, "", f"{node.depending_on} = {count!r} is outside "
                                 f"OCCURS {node.occurs_min} TO {node.occurs}"))
        return 0

    def _one(self, node: Node, data: bytes, pos: int, errors: list[FieldError], path: str,
             scope: dict[str, Value]) -> tuple[Any, int]:
        if node.codec is None:
            group: Record = {}
            return group, self._group(node, data, pos, group, errors, path + ".", scope)
        raw = data[pos:pos + node.size]
        try:
            value: Value = node.codec.decode(raw)
        except FieldDecodeError as exc:
            errors.append(FieldError(path, pos, raw.hex().upper(), str(exc), node.alternative))
            value = None
        scope[node.name] = value
        return value, pos + node.size

    # -- encode --------------------------------------------------------------------------
    def encode(self, values: Mapping[str, Any]) -> bytes:
        """The record's bytes. Missing fields take their VALUE clause, else blanks or zeros;
        of a REDEFINES set the first item given wins. Raises RecordEncodeError."""
        out = bytearray(self.size)
        end = self._encode_group(self.root, values, out, 0, "", {})
        return bytes(out[:end])

    def _encode_group(self, node: Node, values: Mapping[str, Any], out: bytearray, pos: int,
                      prefix: str, scope: dict[str, Any]) -> int:
        starts: dict[str, int] = {}
        written: set[str] = set()  # redefined items whose area a caller's value has filled
        cursor = pos
        for child in node.children:
            start = starts[child.redefines] if child.redefines else cursor
            starts[child.name] = start
            root = child.redefines or child.name
            given = values.get(child.name) if not child.is_filler else None
            if child.redefines and (given is None or root in written):
                continue  # an alternative view: written only when given and nothing before
            if given is not None:
                written.add(root)
            end = self._encode_item(child, given, out, start, prefix + child.name, scope)
            cursor = max(cursor, end)
        return cursor

    def _encode_item(self, node: Node, value: Any, out: bytearray, pos: int, path: str,
                     scope: dict[str, Any]) -> int:
        if node.occurs is None:
            return self._encode_one(node, value, out, pos, path, scope)
        count = node.occurs
        items = list(value) if value is not None else []
        if node.depending_on is not None:
            count = scope.get(node.depending_on, 0)
            if not isinstance(count, int) or not node.occurs_min <= count <= node.occurs:
                raise RecordEncodeError(f"{path}: {node.depending_on} = {count!r} is outside "
                                        f"OCCURS {node.occurs_min} TO {node.occurs}")
        if len(items) > count or (node.depending_on is not None and len(items) != count):
            raise RecordEncodeError(f"{path}: {len(items)} items given, {count} expected")
        for i in range(count):
            pos = self._encode_one(node, items[i] if i < len(items) else None, out, pos,
                                   f"{path}[{i}]", scope)
        return pos

    def _encode_one(self, node: Node, value: Any, out: bytearray, pos: int, path: str,
                    scope: dict[str, Any]) -> int:
        if node.codec is None:
            if value is not None and not isinstance(value, Mapping):
                raise RecordEncodeError(f"{path}: a group needs a mapping, got "
                                        f"{type(value).__name__}")
            return self._encode_group(node, value or {}, out, pos, path + ".", scope)
        numeric = node.codec.picture.category is Category.NUMERIC
        if value is None:
            value = node.value if not isinstance(node.value, str) or not numeric or \
                isinstance(node.value, Fill) else None
        try:
            data = _filled(value, node) if isinstance(value, Fill) else node.codec.encode(value)
        except FieldEncodeError as exc:
            raise RecordEncodeError(f"{path}: {exc}") from None
        if pos + len(data) > len(out):
            out.extend(bytes(pos + len(data) - len(out)))
        out[pos:pos + len(data)] = data
        scope[node.name] = value if not numeric or (isinstance(value, Fill) and value.raw \
            is not None) else node.codec.decode(data)
        return pos + node.size


def _filled(fill: Fill, node: Node) -> bytes:
    """A figurative constant over the whole field: raw bytes, zero, or a repeated character."""
    assert node.codec is not None
    if fill.raw is not None:
        return bytes([fill.raw]) * node.size
    if node.codec.picture.category is Category.NUMERIC:
        if fill != "0":
            raise FieldEncodeError(f"figurative {fill!r} does not fit a numeric field")
        return node.codec.encode(0)
    return node.codec.encode(str(fill) * node.size)


def _within(value: Any, low: Any, high: Any, codepage: str) -> bool:
    if isinstance(low, Fill) and low.raw is not None:
        return isinstance(value, str) and set(value) <= {bytes([low.raw]).decode(codepage)}
    if isinstance(low, Fill) and isinstance(value, str):
        return set(value) <= {str(low)}  # SPACES ("" after trimming) or all zeros
    if isinstance(low, str) or isinstance(value, str):
        text = str(value).rstrip(" ")
        return str(low).rstrip(" ") <= text <= str(high).rstrip(" ")
    return bool(Decimal(low) <= Decimal(value) <= Decimal(high))


def layouts(text: str, codepage: str = "cp037",
            source_format: SourceFormat = "auto") -> dict[str, Layout]:
    """Every 01/77 record of a copybook, by name, in order."""
    return {item.name: Layout(item, codepage) for item in parse_copybook(text, source_format)}
