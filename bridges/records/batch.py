"""Multi-record batch files: header / detail / trailer told apart by a record-type code, the
trailer's control totals verified, and a policy deciding what a bad record does to the file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, BinaryIO

from bridges.errors import ConfigError, MappingError
from bridges.records.copybook import SourceFormat
from bridges.records.framing import RecordFormat, read_records
from bridges.records.layout import FieldError, Layout, Record, layouts


class ErrorPolicy(StrEnum):
    FAIL = "fail"  # the first bad record fails the whole file
    QUARANTINE = "quarantine"  # bad records are set aside, good ones delivered


class Role(StrEnum):
    HEADER = "header"
    DETAIL = "detail"
    TRAILER = "trailer"


@dataclass(frozen=True)
class ControlTotals:
    """Which trailer fields hold the detail count and amount sum, and which detail field is
    summed. Either may be omitted."""

    count_field: str | None = None
    sum_field: str | None = None
    amount_field: str | None = None


@dataclass(frozen=True)
class RecordKind:
    layout: Layout
    role: Role = Role.DETAIL


@dataclass(frozen=True)
class FileSpec:
    """How to read one kind of batch file; facts only."""

    kinds: Mapping[str, RecordKind]  # record-type code -> layout and role
    format: RecordFormat = RecordFormat.FIXED
    type_offset: int = 0  # where the record-type code sits in every record
    type_length: int = 0  # 0: one kind only, no code
    record_length: int | None = None  # fixed format; default: the longest layout
    control: ControlTotals | None = None
    policy: ErrorPolicy = ErrorPolicy.FAIL
    max_quarantined: int | None = None  # quarantine: more bad records than this fail the file

    @property
    def codepage(self) -> str:
        return next(iter(self.kinds.values())).layout.codepage

    @classmethod
    def single(cls, layout: Layout, **options: Any) -> FileSpec:
        return cls(kinds={"": RecordKind(layout)}, **options)

    @classmethod
    def from_copybook(cls, text: str, codepage: str = "cp037",
                      source_format: SourceFormat = "auto", **options: Any) -> FileSpec:
        """One kind per 01 record. With several, each record's first field must carry its
        type code as a VALUE clause (05 REC-TYPE PIC X VALUE 'H'); the first record is the
        header and the last the trailer when there are three or more."""
        records = list(layouts(text, codepage, source_format).values())
        if len(records) == 1:
            return cls.single(records[0], **options)
        kinds: dict[str, RecordKind] = {}
        first = None
        for i, layout in enumerate(records):
            node = layout.root.children[0]
            if node.codec is None or not isinstance(node.value, str):
                raise ConfigError(f"record {layout.name}: its first field needs a VALUE "
                                  "with the record-type code")
            first = first or node
            if node.size != first.size:
                raise ConfigError("record-type fields differ in length")
            role = Role.DETAIL
            if len(records) >= 3 and i in (0, len(records) - 1):
                role = Role.HEADER if i == 0 else Role.TRAILER
            kinds[node.value.ljust(node.size)] = RecordKind(layout, role)
        assert first is not None
        return cls(kinds=kinds, type_length=first.size, **options)


@dataclass(frozen=True)
class DecodedRecord:
    index: int  # 0-based position in the file
    offset: int  # byte offset of the record's data in the file
    kind: str  # layout (01 record) name
    role: Role
    values: Record
    errors: tuple[FieldError, ...] = ()
    raw: bytes = b""

    @property
    def ok(self) -> bool:
        return not any(not e.soft for e in self.errors)

    def problem(self) -> dict[str, Any]:
        return {"record": self.index, "offset": self.offset, "kind": self.kind,
                "errors": [e.as_dict() for e in self.errors if not e.soft]}


class BadRecordError(MappingError):
    """A record failed to decode and the policy fails the file."""


class ControlTotalsError(MappingError):
    """The trailer disagrees with the details, or header/trailer are missing or misplaced."""


@dataclass
class Totals:
    """Running counts and the control check's outcome."""

    records: int = 0
    details: int = 0
    quarantined: int = 0
    amount: Decimal = Decimal(0)
    expected_count: int | None = None
    expected_amount: Decimal | None = None
    status: str = "not checked"  # "verified", "not checked", "unverifiable: ..."

    def as_dict(self) -> dict[str, Any]:
        return {"records": self.records, "details": self.details,
                "quarantined": self.quarantined, "amount": str(self.amount),
                "expected_count": self.expected_count,
                "expected_amount": None if self.expected_amount is None
                else str(self.expected_amount), "control": self.status}


@dataclass
class BatchReader:
    """Reads one file by a FileSpec: yields good records, keeps bad ones, checks totals."""

    spec: FileSpec
    totals: Totals = field(default_factory=Totals)
    quarantined: list[DecodedRecord] = field(default_factory=list)
    header: DecodedRecord | None = None
    trailer: DecodedRecord | None = None

    def decode(self, index: int, offset: int, raw: bytes) -> DecodedRecord:
        spec = self.spec
        code = raw[spec.type_offset:spec.type_offset + spec.type_length].decode(
            spec.codepage, errors="replace") if spec.type_length else ""
        kind = spec.kinds.get(code)
        if kind is None:
            error = FieldError("(record type)", spec.type_offset,
                               raw[spec.type_offset:spec.type_offset + spec.type_length]
                               .hex().upper(), f"unknown record type {code!r}")
            return DecodedRecord(index, offset, "?", Role.DETAIL, {}, (error,), raw)
        values, errors, used = kind.layout.decode(raw)
        if spec.format is not RecordFormat.FIXED and used != len(raw):
            errors.append(FieldError("(record length)", used, "", f"record has {len(raw)} "
                                     f"bytes, layout {kind.layout.name} describes {used}"))
        return DecodedRecord(index, offset, kind.layout.name, kind.role, values,
                             tuple(errors), raw)

    def records(self, stream: BinaryIO, every_role: bool = False) -> Iterator[DecodedRecord]:
        """Good detail records (with `every_role`, headers and trailers too), in file order.
        Raises BadRecordError or ControlTotalsError."""
        length = self.spec.record_length or max(k.layout.size for k in self.spec.kinds.values())
        for index, (offset, raw) in enumerate(read_records(stream, self.spec.format, length)):
            record = self.decode(index, offset, raw)
            self.totals.records += 1
            if record.role is Role.DETAIL:
                self.totals.details += 1
            if self.trailer is not None:
                raise ControlTotalsError(f"record {index} follows the trailer")
            if not record.ok:
                self._bad(record)
                continue
            if record.role is Role.HEADER:
                if index != 0:
                    raise ControlTotalsError(f"header at record {index}, not first")
                self.header = record
            elif record.role is Role.TRAILER:
                self.trailer = record
            else:
                self._add(record)
            if every_role or record.role is Role.DETAIL:
                yield record
        self.finish()

    def _bad(self, record: DecodedRecord) -> None:
        if self.spec.policy is ErrorPolicy.FAIL or record.role is not Role.DETAIL:
            first = record.problem()["errors"][0]
            raise BadRecordError(
                f"record {record.index} ({record.kind}) at byte {record.offset}: field "
                f"{first['field']}: {first['reason']} (bytes {first['raw'] or 'none'})",
                detail=record.problem())
        self.quarantined.append(record)
        self.totals.quarantined += 1
        limit = self.spec.max_quarantined
        if limit is not None and len(self.quarantined) > limit:
            raise BadRecordError(f"more than {limit} bad records; the file is rejected",
                                 detail={"bad": [r.problem() for r in self.quarantined]})

    def _add(self, record: DecodedRecord) -> None:
        control = self.spec.control
        if control and control.amount_field:
            amount = record.values.get(control.amount_field)
            self.totals.amount += Decimal(amount) if amount is not None else 0

    def finish(self) -> Totals:
        control = self.spec.control
        if control is None:
            return self.totals
        if self.trailer is None:
            raise ControlTotalsError("the file has no trailer record: it may be truncated")
        t = self.totals
        values = self.trailer.values
        if control.count_field:
            t.expected_count = values.get(control.count_field)
            if t.expected_count != t.details:
                raise ControlTotalsError(f"trailer says {t.expected_count} detail records, "
                                         f"the file has {t.details}")
        if control.sum_field:
            t.expected_amount = Decimal(values.get(control.sum_field) or 0)
            if t.quarantined:
                t.status = f"unverifiable: {t.quarantined} detail records quarantined"
                return t
            if t.expected_amount != t.amount:
                raise ControlTotalsError(f"trailer amount total {t.expected_amount} differs "
                                         f"from the details' sum {t.amount}")
        t.status = "verified"
        return t


def read_batch(stream: BinaryIO, spec: FileSpec) -> tuple[list[DecodedRecord], BatchReader]:
    """Every good detail record and the reader (header, trailer, totals, quarantine)."""
    reader = BatchReader(spec)
    return list(reader.records(stream)), reader


def encode_batch(spec: FileSpec, details: list[Mapping[str, Any]],
                 header: Mapping[str, Any] | None = None,
                 trailer: Mapping[str, Any] | None = None) -> tuple[list[bytes], Totals]:
    """Records for an outbound file; the trailer's control fields are filled from the details.
    Fixed-length records are padded to the file's record length."""
    roles = {kind.role: kind.layout for kind in spec.kinds.values()}
    detail_layout = roles.get(Role.DETAIL)
    if detail_layout is None:
        raise ConfigError("the file spec has no detail record")
    control = spec.control or ControlTotals()
    totals = Totals(details=len(details))
    if control.amount_field:
        totals.amount = sum((Decimal(d.get(control.amount_field) or 0) for d in details),
                            Decimal(0))
    records = [detail_layout.encode(d) for d in details]
    if Role.HEADER in roles:
        records.insert(0, roles[Role.HEADER].encode(header or {}))
    if Role.TRAILER in roles:
        filled = dict(trailer or {})
        if control.count_field:
            filled[control.count_field] = len(details)
        if control.sum_field:
            filled[control.sum_field] = totals.amount
        records.append(roles[Role.TRAILER].encode(filled))
    totals.records = len(records)
    totals.status = "computed"
    if spec.format is RecordFormat.FIXED:
        length = spec.record_length or max(k.layout.size for k in spec.kinds.values())
        pad = " ".encode(spec.codepage)
        records = [r.ljust(length, pad) for r in records]
    return records, totals
