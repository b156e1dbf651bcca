"""What an ODBC database says about a table: its columns, their SQL types, its primary key.

Read through the driver's catalog functions (SQLColumns, SQLPrimaryKeys), so it works on any
ODBC source. Drivers differ in what they report: SQLite3 gives the declared type text
('CHAR(10)', 'DECIMAL(15,2)') under one generic type code, psqlODBC gives its own type names
('bpchar', 'numeric') with sizes apart and folds unquoted names to lower case; both are read
into one `SqlType` here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bridges.errors import ConfigError, NotFound
from bridges.odbc import ColumnType, OdbcBridge, map_pyodbc_errors

_DECLARED = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 ]*?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


class SqlType(StrEnum):
    CHAR = "char"  # fixed width, blank padded
    VARCHAR = "varchar"
    DECIMAL = "decimal"
    INTEGER = "integer"
    DATE = "date"


# Type names as drivers spell them (declared SQL or the engine's own), upper case.
_TYPE_NAMES: dict[str, SqlType] = {
    **dict.fromkeys(("CHAR", "CHARACTER", "NCHAR", "BPCHAR"), SqlType.CHAR),
    **dict.fromkeys(("VARCHAR", "CHARACTER VARYING", "NVARCHAR", "TEXT", "CLOB"),
                    SqlType.VARCHAR),
    **dict.fromkeys(("DECIMAL", "NUMERIC", "DEC"), SqlType.DECIMAL),
    **dict.fromkeys(("INTEGER", "INT", "INT2", "INT4", "INT8", "SMALLINT", "BIGINT"),
                    SqlType.INTEGER),
    "DATE": SqlType.DATE,
}
# ODBC SQL type codes, for drivers whose type name is not one of the above.
_TYPE_CODES: dict[int, SqlType] = {
    1: SqlType.CHAR, -8: SqlType.CHAR, 12: SqlType.VARCHAR, -9: SqlType.VARCHAR,
    -1: SqlType.VARCHAR, -10: SqlType.VARCHAR, 2: SqlType.DECIMAL, 3: SqlType.DECIMAL,
    4: SqlType.INTEGER, 5: SqlType.INTEGER, -5: SqlType.INTEGER, -6: SqlType.INTEGER,
    9: SqlType.DATE, 91: SqlType.DATE,
}
# How the ODBC bridge converts each type's values (DATE arrives as a date already).
BRIDGE_TYPES: dict[SqlType, ColumnType | None] = {
    SqlType.CHAR: ColumnType.CHAR, SqlType.VARCHAR: None, SqlType.DECIMAL: ColumnType.DECIMAL,
    SqlType.INTEGER: ColumnType.INTEGER, SqlType.DATE: None}


@dataclass(frozen=True)
class Column:
    """One column, its name in upper case as the bridge's rows name it."""

    name: str
    type: SqlType
    size: int | None  # characters, or digits of a DECIMAL
    scale: int | None  # digits after the point of a DECIMAL
    nullable: bool


@dataclass(frozen=True)
class Table:
    name: str  # upper case: unquoted, it works on every engine
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name.upper():
                return column
        raise ConfigError(f"table {self.name} has no column {name!r}; it has "
                          f"{', '.join(c.name for c in self.columns)}")


def identifier(name: str, what: str = "name") -> str:
    """A table or column name fit to appear unquoted in SQL text, or a ConfigError."""
    if not _IDENTIFIER.match(name):
        raise ConfigError(f"{what} {name!r} is not a plain SQL identifier")
    return name


def column_of(row: Any) -> Column:
    """One SQLColumns row as a Column; a type we cannot map is a ConfigError, not a guess."""
    name = identifier(str(row.column_name), "column").upper()
    declared = _DECLARED.match(str(row.type_name or ""))
    kind = _TYPE_NAMES.get(declared.group(1).upper()) if declared else None
    size = int(declared.group(2)) if declared and declared.group(2) else row.column_size
    scale = int(declared.group(3)) if declared and declared.group(3) else row.decimal_digits
    if kind is None:
        kind = _TYPE_CODES.get(int(row.data_type))
    if kind is None:
        raise ConfigError(f"column {name}: type {row.type_name} has no mapping yet")
    return Column(name, kind, None if kind in (SqlType.INTEGER, SqlType.DATE) else size,
                  (scale or 0) if kind is SqlType.DECIMAL else None, bool(row.nullable))


class OdbcCatalog(OdbcBridge):
    """The ODBC bridge plus catalog reads, over the same pooled connections and error map."""

    async def table(self, name: str) -> Table:
        return await self.workers.run(self._table, identifier(name, "table"))

    def _table(self, name: str) -> Table:
        with self._lease() as conn, map_pyodbc_errors(self.system):
            cursor = conn.raw.cursor()
            try:
                # Engines store unquoted names folded (PostgreSQL: lower, DB2: upper).
                for candidate in dict.fromkeys((name, name.lower(), name.upper())):
                    rows = cursor.columns(table=candidate).fetchall()
                    if rows:
                        keys = cursor.primaryKeys(table=candidate).fetchall()
                        break
                else:
                    raise NotFound(f"no table {name} in the catalog", system=self.system)
            finally:
                cursor.close()
        rows.sort(key=lambda r: int(r.ordinal_position))
        keys.sort(key=lambda k: int(k.key_seq))
        return Table(name.upper(), tuple(column_of(r) for r in rows),
                     tuple(str(k.column_name).upper() for k in keys))
