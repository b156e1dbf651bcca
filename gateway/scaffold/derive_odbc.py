"""ODBC catalog -> a typed query tool: Params from the key columns, a row model from all."""

from __future__ import annotations

import asyncio
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from bridges.errors import BridgeError
from bridges.odbc import Query, Statement
from bridges.odbc_catalog import BRIDGE_TYPES, Column, OdbcCatalog, SqlType, Table
from bridges.secrets import MemorySecretStore, SecretStore
from gateway.runtime import default_secrets
from gateway.scaffold.draft import Draft
from gateway.scaffold.plan import Request, ScaffoldError, class_name, literal, render
from gateway.settings import load_settings

# Values a key column is unlikely to hold; the first one the table lacks is the not-found case.
_ABSENT: dict[SqlType, tuple[Any, ...]] = {
    SqlType.CHAR: ("ZZZZZZZZZZ", "~~~~", "~"), SqlType.VARCHAR: ("ZZZZZZZZZZ", "~~~~", "~"),
    SqlType.INTEGER: (-1, 999999999), SqlType.DECIMAL: (Decimal(-1),),
    SqlType.DATE: (date(1900, 1, 1),)}
_PY = {SqlType.CHAR: "str", SqlType.VARCHAR: "str", SqlType.INTEGER: "int",
       SqlType.DECIMAL: "Decimal", SqlType.DATE: "date"}


@dataclass(frozen=True)
class Sample:
    """What the catalog and the first row say: enough to write the tool and its contract."""

    table: Table
    key: tuple[Column, ...]
    unique: bool  # the key is the primary key: one row, else a list
    first: dict[str, Any]
    absent: dict[str, Any] | None  # a key that names no row


def system_settings(request: Request, stack: ExitStack) -> tuple[dict[str, Any], SecretStore]:
    """The system's bridge settings: from --config, or the reference bank's own database."""
    system = request.target_system
    if request.config is not None:
        settings = load_settings(request.config)
        if system not in settings.systems:
            raise ScaffoldError(f"{request.config} configures no system {system!r}")
        config = {k: v for k, v in settings.systems[system].items() if k != "bridge"}
        return config, default_secrets(settings)
    if system != "bankdb":
        raise ScaffoldError(f"give --config FILE: the gateway settings of system {system!r}")
    from emulators.bankdb import SqliteBankDb  # the reference bank, only when asked for

    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mainbridge-")))
    db = stack.enter_context(SqliteBankDb(folder / "bank.db"))
    return dict(db.connection()), MemorySecretStore()


def key_sql(sample_key: tuple[Column, ...]) -> str:
    return " AND ".join(f"{c.name} = ?" for c in sample_key)


def param_value(column: Column, value: Any) -> Any:
    return value.ljust(column.size or 0) if column.type is SqlType.CHAR else value


async def read_sample(request: Request, config: dict[str, Any], secrets: SecretStore) -> Sample:
    catalog = OdbcCatalog.from_config(request.target_system, config, secrets)
    try:
        table = await catalog.table(request.table or "")
        names = request.key or table.primary_key
        if not names:
            raise ScaffoldError(f"{table.name} has no primary key: name one with --key")
        key = tuple(table.column(n) for n in names)
        columns = {c.name: BRIDGE_TYPES[c.type] for c in table.columns}
        select = Statement(
            # Names come from the catalog and passed identifier(): no value enters the text.
            f"SELECT {', '.join(columns)} FROM {table.name} "  # noqa: S608
            f"ORDER BY {', '.join(c.name for c in key)}",
            {n: t for n, t in columns.items() if t is not None})
        rows = (await catalog.exchange(Query(select, max_rows=1))).rows
        if not rows:
            raise ScaffoldError(f"{table.name} is empty: the tool's contract needs a row")
        first = rows[0]
        probe = Statement(f"SELECT 1 FROM {table.name} WHERE {key_sql(key)}")  # noqa: S608
        absent, last = None, key[-1]
        for candidate in _ABSENT[last.type]:
            if isinstance(candidate, str) and last.size:
                candidate = candidate[:last.size]
            values = [*(first[c.name] for c in key[:-1]), candidate]
            args = tuple(param_value(c, v) for c, v in zip(key, values, strict=True))
            if not (await catalog.exchange(Query(probe, args, max_rows=1))).rows:
                absent = {c.name: v for c, v in zip(key, values, strict=True)}
                break
        unique = {c.name for c in key} == set(table.primary_key)
        return Sample(table, key, unique, first, absent)
    except BridgeError as exc:
        raise ScaffoldError(f"reading the catalog of {request.target_system}: {exc}") from None
    finally:
        await catalog.close()


def example(value: Any) -> Any:
    """A value as JSON carries it in a contract (exact decimals and dates as text)."""
    return str(value) if isinstance(value, (Decimal, date)) else value


def param_field(column: Column, value: Any) -> str:
    limits = ""
    if column.type in (SqlType.CHAR, SqlType.VARCHAR):
        limits = f"min_length=1, max_length={column.size}, " if column.size else "min_length=1, "
    elif column.type is SqlType.DECIMAL:
        limits = f"max_digits={column.size}, decimal_places={column.scale}, "
    return (f"    {column.name.lower()}: {_PY[column.type]} = "
            f"Field({limits}examples=[{literal(example(value))}])")


def row_field(column: Column) -> str:
    kind = _PY[column.type]
    if column.type is SqlType.DECIMAL:
        kind = (f"Annotated[Decimal, Field(max_digits={column.size}, "
                f"decimal_places={column.scale}), scale({column.scale})]")
    elif column.type in (SqlType.CHAR, SqlType.VARCHAR) and column.size:
        kind = f"Annotated[str, Field(max_length={column.size})]"
    return f"    {column.name}: {kind}{' | None' if column.nullable else ''}"


def imports(table: Table, key: tuple[Column, ...]) -> str:
    types = {c.type for c in table.columns}
    annotated = any(c.type is SqlType.DECIMAL or (c.size and c.type in (
        SqlType.CHAR, SqlType.VARCHAR)) for c in table.columns)
    std = [*(["from datetime import date"] if SqlType.DATE in types else []),
           *(["from decimal import Decimal"] if SqlType.DECIMAL in types else []),
           *(["from typing import Annotated"] if annotated else [])]
    odbc = ["ColumnType", "Param", "Row", "Statement",
            *(["char"] if any(c.type is SqlType.CHAR for c in key) else [])]
    records = ["scale", "to_record"] if SqlType.DECIMAL in types else ["to_record"]
    return "\n".join([
        *std, "", "from pydantic import BaseModel, Field", "",
        "from adapters.kit import Contract",
        f"from adapters.kit.records import {', '.join(records)}",
        "from adapters.kit.sql import SqlTool",
        f"from bridges.odbc import {', '.join(odbc)}",
        "from canonical import CanonicalModel"])


def statement(sample: Sample) -> str:
    table, words = sample.table, []
    # Source text for the generated module: catalog names, and `?` for every value.
    sql = (f"SELECT {', '.join(c.name for c in table.columns)} FROM {table.name} "  # noqa: S608
           f"WHERE {key_sql(sample.key)}")
    line = ""
    for word in sql.split(" "):  # SQL text in pieces that fit the line length
        if len(line) + len(word) > 80:
            words.append(line)
            line = ""
        line += word + " "
    words.append(line.rstrip())
    text = "\n".join(f"        {literal(chunk)}" for chunk in words)
    declared = {c.name: BRIDGE_TYPES[c.type] for c in table.columns}
    types = [f'"{name}": ColumnType.{kind.name}' for name, kind in declared.items() if kind]
    return text + ",\n        {" + ",\n         ".join(types) + "}"


def contract(sample: Sample) -> str:
    happy = {c.name.lower(): example(sample.first[c.name]) for c in sample.key}
    if not sample.unique:
        return (f"happy={literal(happy)},\n                        "
                'no_not_found="a list by a non-unique column: no match is an empty list"')
    if sample.absent is None:
        return (f"happy={literal(happy)},\n                        "
                'no_not_found="every probed key exists: add a not-found example by hand"')
    absent = {k.lower(): example(v) for k, v in sample.absent.items()}
    return f"happy={literal(happy)},\n                        not_found={literal(absent)}"


def checks(sample: Sample) -> list[str]:
    texts = [c.name for c in sample.table.columns if c not in sample.key
             and c.type in (SqlType.CHAR, SqlType.VARCHAR)
             and isinstance(sample.first[c.name], str)][:3]
    if not sample.unique:
        k = sample.key[0].name
        value = literal(example(sample.first[k]))
        return [f'assert data and all(r["fields"]["{k}"] == {value} for r in data)']
    return [f'assert data["fields"]["{n}"] == {literal(sample.first[n])}' for n in texts] + [
        f'assert data["record_id"] == {literal(record_value(sample))}']


def record_value(sample: Sample) -> str:
    return "/".join(str(sample.first[c.name]) for c in sample.key)


def from_catalog(request: Request) -> Draft:
    with ExitStack() as stack:
        config, secrets = system_settings(request, stack)
        sample = asyncio.run(read_sample(request, config, secrets))
    table, key = sample.table, sample.key
    cls = class_name(table.name)
    record_id = (f"values.{key[0].name}" if len(key) == 1 and _PY[key[0].type] == "str" else
                 'f"' + "/".join(f"{{values.{c.name}}}" for c in key) + '"')
    adapter = render(
        "odbc_table.py.tmpl", name=request.name, table=table.name, system=request.target_system,
        imports=imports(table, key), Class=cls,
        params_fields="\n".join(param_field(c, sample.first[c.name]) for c in key),
        row_fields="\n".join(row_field(c) for c in table.columns),
        tool_class=f"{'Get' if sample.unique else 'List'}{cls}",
        tool=f"{request.name}_{'get' if sample.unique else 'list'}_{table.name.lower()}",
        description=(f"One {table.name} row by its key" if sample.unique else
                     f"The {table.name} rows with a given {', '.join(c.name for c in key)}")
        + ", as the legacy database holds it.",
        many=str(not sample.unique), statement=statement(sample),
        contract=contract(sample),
        bind=", ".join(bind(c) for c in key) + ("," if len(key) == 1 else ""),
        not_found="/".join(f"{{{c.name.lower()}}}" for c in key), record_id=record_id)
    return Draft(adapter, "bankdb", checks(sample), not_found=sample.absent is not None
                 and sample.unique)


def bind(column: Column) -> str:
    value = f"params.{column.name.lower()}"
    return f"char({value}, {column.size})" if column.type is SqlType.CHAR else value
