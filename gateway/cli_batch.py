"""`mainbridge batch decode`: a COBOL/EBCDIC batch file to JSON lines, CSV or Parquet."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, BinaryIO, TextIO, cast

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from bridges.errors import BridgeError
from bridges.records import ControlTotals, ErrorPolicy, FileSpec, Layout, RecordFormat
from bridges.records.batch import BatchReader, DecodedRecord
from bridges.records.copybook import SourceFormat

batch_app = typer.Typer(help="Batch files: decode COBOL copybook records (EBCDIC or ASCII).",
                        no_args_is_help=True)


class Output(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"


def to_json(value: Any) -> str:
    """JSON with numbers written exactly: a Decimal keeps every digit, never via float."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(to_json(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return json.dumps(value.isoformat())
    return json.dumps(value, ensure_ascii=False)


def flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested groups and OCCURS as CSV columns: GROUP.FIELD, ITEMS[0].CODE."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = prefix + key
        items = value if isinstance(value, list) else None
        if isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        elif items is not None:
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    flat.update(flatten(item, f"{name}[{i}]."))
                else:
                    flat[f"{name}[{i}]"] = item
        else:
            flat[name] = value
    return flat


class _Tracked(io.RawIOBase):
    """A file that advances a progress bar as it is read."""

    def __init__(self, raw: BinaryIO, advance: Any) -> None:
        self.raw = raw
        self.advance = advance

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        buffer[:len(data)] = data
        self.advance(len(data))
        return len(data)


def _spec(copybook: Path, codepage: str, fmt: RecordFormat, record: str | None,
          strict: bool, control: ControlTotals | None, source: SourceFormat) -> FileSpec:
    text = copybook.read_text(encoding="utf-8", errors="replace")
    policy = ErrorPolicy.FAIL if strict else ErrorPolicy.QUARANTINE
    if record:
        return FileSpec.single(Layout.from_copybook(text, codepage, record, source), format=fmt,
                               policy=policy, control=control)
    return FileSpec.from_copybook(text, codepage, source, format=fmt, policy=policy,
                                  control=control)


def _write(records: Iterator[DecodedRecord], to: Output, out: TextIO | None,
           path: Path | None) -> int:
    count = 0
    if to is Output.PARQUET:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if path is None:
            raise typer.BadParameter("--to parquet needs --out PATH")
        rows = [r.values for r in records]
        pq.write_table(pa.Table.from_pylist(rows), path)
        return len(rows)
    assert out is not None
    writer = None
    for record in records:
        if to is Output.JSONL:
            out.write(to_json(record.values) + "\n")
        else:
            import csv

            row = flatten(record.values)
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(row), lineterminator="\n",
                                        extrasaction="ignore")
                writer.writeheader()
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
        count += 1
    return count


def _summary(console: Console, reader: BatchReader, written: int) -> None:
    table = Table(title="batch decode", show_header=False)
    totals = reader.totals.as_dict()
    table.add_row("records read", str(totals["records"]))
    table.add_row("records written", str(written))
    table.add_row("bad records (quarantined)", str(totals["quarantined"]))
    if reader.spec.control is not None:
        table.add_row("detail count / trailer", f"{totals['details']} / "
                                                f"{totals['expected_count']}")
        table.add_row("amount sum / trailer", f"{totals['amount']} / "
                                              f"{totals['expected_amount']}")
        table.add_row("control totals", totals["control"])
    console.print(table)
    for bad in reader.quarantined[:20]:
        console.print(f"[red]record {bad.index}[/red] at byte {bad.offset}: " + "; ".join(
            f"{e['field']} ({e['raw'] or 'no bytes'}): {e['reason']}"
            for e in bad.problem()["errors"]))


@batch_app.command("decode")
def decode(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The batch file")],
    copybook: Annotated[Path, typer.Option("--copybook", exists=True, dir_okay=False)],
    codepage: Annotated[str, typer.Option(help="cp037, cp1047, cp500, latin-1 ...")] = "cp037",
    fmt: Annotated[RecordFormat, typer.Option("--format")] = RecordFormat.FIXED,
    to: Annotated[Output, typer.Option("--to")] = Output.JSONL,
    out: Annotated[Path | None, typer.Option("--out", help="Default: stdout")] = None,
    record: Annotated[str | None, typer.Option(help="The 01 record to use (default: "
                                                    "by record-type VALUE)")] = None,
    strict: Annotated[bool, typer.Option(help="Fail on the first bad record")] = False,
    every_role: Annotated[bool, typer.Option("--all-records",
                                             help="Also output header/trailer")] = False,
    control_count: Annotated[str | None, typer.Option(help="Trailer field: detail count")]
    = None,
    control_sum: Annotated[str | None, typer.Option(help="Trailer field: amount total")] = None,
    amount: Annotated[str | None, typer.Option(help="Detail field summed for the control")]
    = None,
    source_format: Annotated[str, typer.Option(
        help="Copybook layout: fixed (columns 8-72), free, or auto")] = "auto",
) -> None:
    """Decode FILE with a COBOL copybook; one object per record, numbers exact."""
    console = Console(stderr=True)
    if every_role and to is not Output.JSONL:
        raise typer.BadParameter("--all-records needs --to jsonl: records differ in layout")
    control = ControlTotals(control_count, control_sum, amount) \
        if control_count or control_sum else None
    try:
        if source_format not in ("auto", "fixed", "free"):
            raise typer.BadParameter("--source-format: auto, fixed or free")
        spec = _spec(copybook, codepage, fmt, record, strict, control,
                     cast(SourceFormat, source_format))
    except BridgeError as exc:
        console.print(f"[red]copybook:[/red] {exc.message}")
        raise typer.Exit(2) from None
    reader = BatchReader(spec)
    target = None if to is Output.PARQUET or out is None else \
        out.open("w", encoding="utf-8", newline="")
    stream = target or (None if to is Output.PARQUET else sys.stdout)
    with file.open("rb") as raw, Progress(
            TextColumn("decoding"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
            console=console, transient=True) as progress:
        task = progress.add_task("decode", total=file.stat().st_size)
        tracked = io.BufferedReader(_Tracked(raw, lambda n: progress.advance(task, n)))
        try:
            written = _write(reader.records(tracked, every_role), to, stream, out)
        except BridgeError as exc:
            console.print(f"[red]failed:[/red] {exc.message}")
            _summary(console, reader, 0)
            raise typer.Exit(1) from None
        finally:
            if target is not None:
                target.close()
    _summary(console, reader, written)
