"""COBOL copybook parser: data description entries -> a tree of `Item`s, errors with line numbers.

Reads copybooks as shops keep them (fixed form: sequence numbers in columns 1-6, `*` or `/`
in column 7 for comments, `-` for continuation, columns 73-80 ignored) and free-form text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal

from bridges.errors import ConfigError
from bridges.records.picture import (
    UNSUPPORTED_USAGES,
    USAGES,
    Picture,
    PictureError,
    Usage,
    parse_picture,
)

SourceFormat = Literal["auto", "fixed", "free"]
Literal_ = str | Decimal  # a VALUE literal: text or number


class Fill(str):
    """A figurative constant: repeated over the whole field. LOW-/HIGH-VALUES are the bytes
    X'00'/X'FF' in every code page (`raw`), not characters."""

    raw: int | None = None

    def __new__(cls, text: str, raw: int | None = None) -> Fill:
        fill = super().__new__(cls, text)
        fill.raw = raw
        return fill


FIGURATIVE = {
    "SPACE": Fill(" "), "SPACES": Fill(" "), "ZERO": Fill("0"), "ZEROS": Fill("0"),
    "ZEROES": Fill("0"), "LOW-VALUE": Fill("", 0x00), "LOW-VALUES": Fill("", 0x00),
    "HIGH-VALUE": Fill("", 0xFF), "HIGH-VALUES": Fill("", 0xFF)}
KEYWORDS = {"PIC", "PICTURE", "USAGE", "IS", "ARE", "REDEFINES", "OCCURS", "TO", "TIMES",
            "DEPENDING", "ON", "SIGN", "LEADING", "TRAILING", "SEPARATE", "CHARACTER",
            "VALUE", "VALUES", "THRU", "THROUGH", "JUST", "JUSTIFIED", "RIGHT", "LEFT",
            "BLANK", "WHEN", "ASCENDING", "DESCENDING", "KEY", "INDEXED", "BY", "GLOBAL",
            "EXTERNAL", "SYNC", "SYNCHRONIZED", "RENAMES", *USAGES, *UNSUPPORTED_USAGES}
LISTING_DIRECTIVES = {"EJECT", "SKIP1", "SKIP2", "SKIP3"}  # page layout for compiler listings
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[^\s'\",]+|,")


class CopybookError(ConfigError):
    """A copybook we cannot parse; `line` is 1-based in the source text."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line else message,
                         detail={"line": line} if line else None)
        self.line = line


@dataclass(frozen=True)
class Condition:
    """A level-88 condition name: true when its item holds one of `values` (or ranges)."""

    name: str
    values: tuple[tuple[Literal_, Literal_], ...]  # (low, high); equal for single values
    line: int


@dataclass
class Item:
    """One data description entry (level 01-49 or 77)."""

    level: int
    name: str  # "FILLER" for unnamed items
    line: int
    picture: Picture | None = None
    usage: Usage | None = None  # None: inherit from the group (else DISPLAY)
    sign_leading: bool | None = None
    sign_separate: bool = False
    redefines: str | None = None
    occurs: int | None = None  # maximum count
    occurs_min: int | None = None
    depending_on: str | None = None
    justified_right: bool = False
    blank_when_zero: bool = False
    value: Literal_ | None = None
    children: list[Item] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)

    @property
    def is_group(self) -> bool:
        return self.picture is None

    @property
    def is_filler(self) -> bool:
        return self.name == "FILLER"


def source_lines(text: str, source_format: SourceFormat = "auto") -> list[tuple[int, str]]:
    """(line number, program text) with comments dropped and sequence areas removed."""
    raw = text.expandtabs(8).splitlines()
    fixed = source_format == "fixed" or (source_format == "auto" and _looks_fixed(raw))
    lines: list[tuple[int, str]] = []
    for number, line in enumerate(raw, 1):
        if fixed:
            indicator = line[6:7]
            body = line[7:72]
            if indicator in ("*", "/", "D", "d"):
                continue
            if indicator == "-" and lines:
                lines[-1] = (lines[-1][0], _continue(lines[-1][1], body))
                continue
        else:
            body = line
            stripped = line.lstrip()
            if stripped.startswith(("*", "*>")):
                continue
        body = body.split("*>", 1)[0]
        if body.strip().upper().rstrip(".") in LISTING_DIRECTIVES:
            continue
        if body.strip():
            lines.append((number, body))
    return lines


def _looks_fixed(lines: list[str]) -> bool:
    """Fixed form when every non-blank line has a sequence area and an indicator column."""
    content = [line for line in lines if line.strip()]
    return bool(content) and all(
        len(line) >= 7 and (line[:6].isdigit() or not line[:6].strip()
                            or line[:6].isalnum()) and line[6] in " *-/Dd"
        for line in content)


def _continue(previous: str, body: str) -> str:
    """A continued literal resumes after the first quote of the continuation line."""
    stripped = body.lstrip()
    if stripped[:1] in ("'", '"'):
        return previous.rstrip("\n") + stripped[1:]
    return previous.rstrip() + " " + stripped


def tokens(lines: list[tuple[int, str]]) -> list[list[tuple[str, int]]]:
    """Sentences (entries ended by a period) as lists of (token, line)."""
    sentences: list[list[tuple[str, int]]] = []
    current: list[tuple[str, int]] = []
    for number, body in lines:
        for match in _TOKEN.finditer(body):
            token = match.group(0)
            if token == ",":  # noqa: S105 - a separator, not a secret
                continue
            ends = token.endswith(".") and token[0] not in "'\""
            if ends:
                token = token[:-1]
            if token:
                current.append((token, number))
            if ends:
                if current:
                    sentences.append(current)
                current = []
    if current:
        raise CopybookError("the last entry is not ended by a period", current[-1][1])
    return sentences


class _Entry:
    """Cursor over one sentence's tokens, for the clause parser."""

    def __init__(self, sentence: list[tuple[str, int]]) -> None:
        self.tokens = sentence
        self.pos = 0

    @property
    def line(self) -> int:
        return self.tokens[min(self.pos, len(self.tokens) - 1)][1]

    def peek(self) -> str | None:
        return self.tokens[self.pos][0].upper() if self.pos < len(self.tokens) else None

    def take(self, what: str = "a word") -> str:
        if self.pos >= len(self.tokens):
            raise CopybookError(f"expected {what} at the end of the entry", self.tokens[-1][1])
        token = self.tokens[self.pos][0]
        self.pos += 1
        return token

    def skip(self, *words: str) -> None:
        while self.peek() in words:
            self.pos += 1

    def number(self, what: str) -> int:
        token = self.take(what)
        if not token.isdigit():
            raise CopybookError(f"expected {what}, got {token!r}", self.line)
        return int(token)

    def literal(self) -> Literal_:
        token = self.take("a literal")
        upper = token.upper()
        if upper in FIGURATIVE:
            return FIGURATIVE[upper]
        if upper.startswith("ALL "):
            return token[4:]
        if token[0] in "'\"":
            return token[1:-1].replace(token[0] * 2, token[0])
        try:
            return Decimal(token)
        except InvalidOperation:
            raise CopybookError(f"{token!r} is not a literal", self.line) from None


def _values(entry: _Entry) -> tuple[tuple[Literal_, Literal_], ...]:
    entry.skip("IS", "ARE")
    values: list[tuple[Literal_, Literal_]] = []
    while entry.peek() is not None and entry.peek() not in KEYWORDS - {"THRU", "THROUGH"}:
        low = entry.literal()
        high = low
        if entry.peek() in ("THRU", "THROUGH"):
            entry.take()
            high = entry.literal()
        values.append((low, high))
    if not values:
        raise CopybookError("VALUE without a literal", entry.line)
    return tuple(values)


def _clauses(item: Item, entry: _Entry) -> None:
    while (word := entry.peek()) is not None:
        line = entry.line
        entry.take()
        if word in ("PIC", "PICTURE"):
            entry.skip("IS")
            try:
                item.picture = parse_picture(entry.take("a PICTURE string"))
            except PictureError as exc:
                raise CopybookError(str(exc), line) from None
        elif word == "USAGE":
            entry.skip("IS")
            usage = entry.take("a usage").upper()
            if usage not in USAGES:
                raise CopybookError(f"USAGE {usage} is not supported", line)
            item.usage = USAGES[usage]
        elif word in USAGES:
            item.usage = USAGES[word]
        elif word in UNSUPPORTED_USAGES or word in ("SYNC", "SYNCHRONIZED", "RENAMES"):
            raise CopybookError(f"{word} is not supported", line)
        elif word == "REDEFINES":
            item.redefines = entry.take("the redefined item").upper()
        elif word == "OCCURS":
            count = entry.number("an OCCURS count")
            if entry.peek() == "TO":
                entry.take()
                item.occurs_min, count = count, entry.number("an OCCURS maximum")
            item.occurs = count
            entry.skip("TIMES")
            if entry.peek() == "DEPENDING":
                entry.take()
                entry.skip("ON")
                item.depending_on = entry.take("the DEPENDING ON item").upper()
        elif word in ("ASCENDING", "DESCENDING", "INDEXED"):
            entry.skip("KEY", "IS", "BY")
            while entry.peek() is not None and entry.peek() not in KEYWORDS:
                entry.take()  # key and index names describe searches, not storage
        elif word in ("SIGN", "LEADING", "TRAILING"):
            if word == "SIGN":
                entry.skip("IS")
                word = entry.take("LEADING or TRAILING").upper()
            if word not in ("LEADING", "TRAILING"):
                raise CopybookError(f"SIGN {word}: expected LEADING or TRAILING", line)
            item.sign_leading = word == "LEADING"
            if entry.peek() == "SEPARATE":
                entry.take()
                entry.skip("CHARACTER")
                item.sign_separate = True
        elif word in ("VALUE", "VALUES"):
            values = _values(entry)
            item.value = values[0][0]
        elif word in ("JUST", "JUSTIFIED"):
            entry.skip("RIGHT")
            item.justified_right = True
        elif word == "BLANK":
            entry.skip("WHEN")
            entry.take("ZERO")
            item.blank_when_zero = True
        elif word in ("GLOBAL", "EXTERNAL", "IS"):
            continue
        else:
            raise CopybookError(f"unexpected {entry.tokens[entry.pos - 1][0]!r}", line)


def _entry(sentence: list[tuple[str, int]]) -> Item | tuple[int, Condition]:
    entry = _Entry(sentence)
    level_text = entry.take()
    if not level_text.isdigit():
        raise CopybookError(f"expected a level number, got {level_text!r}", entry.line)
    level, line = int(level_text), entry.line
    if level == 66:
        raise CopybookError("level 66 (RENAMES) is not supported", line)
    if not (1 <= level <= 49 or level in (77, 88)):
        raise CopybookError(f"level {level} is not a valid level number", line)
    name = "FILLER"
    if entry.peek() is not None and entry.peek() not in KEYWORDS:
        name = entry.take().upper()
        if not re.fullmatch(r"[A-Z0-9][A-Z0-9-]*", name):
            raise CopybookError(f"{name!r} is not a valid data name", line)
    if level == 88:
        if entry.take("VALUE").upper() not in ("VALUE", "VALUES"):
            raise CopybookError(f"level 88 {name} needs a VALUE clause", line)
        values = _values(entry)
        if entry.peek() is not None:
            raise CopybookError(f"unexpected {entry.take()!r} after the values", line)
        return level, Condition(name, values, line)
    item = Item(level=level, name=name, line=line)
    _clauses(item, entry)
    return item


def parse_copybook(text: str, source_format: SourceFormat = "auto") -> list[Item]:
    """The records (01/77 items) a copybook describes. A copybook that starts below level 01
    gets one implicit 01 record named RECORD around its items."""
    roots: list[Item] = []
    stack: list[Item] = []
    for sentence in tokens(source_lines(text, source_format)):
        parsed = _entry(sentence)
        if isinstance(parsed, tuple):
            if not stack:
                raise CopybookError("level 88 before any data item", parsed[1].line)
            stack[-1].conditions.append(parsed[1])
            continue
        item = parsed
        if item.level in (1, 77):
            roots.append(item)
            stack = [item]
            continue
        if not roots:
            roots.append(Item(level=1, name="RECORD", line=item.line))
            stack = [roots[0]]
        while stack and stack[-1].level >= item.level:
            stack.pop()
        if not stack:
            raise CopybookError(f"level {item.level:02d} {item.name} has no parent", item.line)
        parent = stack[-1]
        if not parent.is_group:
            raise CopybookError(f"{parent.name} has a PICTURE and cannot contain "
                                f"{item.name}", item.line)
        parent.children.append(item)
        stack.append(item)
    if not roots:
        raise CopybookError("no data description entries found")
    return roots
