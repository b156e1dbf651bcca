"""ODBC bridge: parameterized statements over pyodbc and the unixODBC driver manager.

The API takes SQL text plus a parameter tuple and nothing else: values never enter the SQL
text. Statements are declared as data (`Statement`) with the legacy column types that need
mapping (padded CHAR, DECIMAL that a driver returns as text, YYYYMMDD integers). Statements
and their rows can be recorded to a cassette and replayed with no database (odbc_cassette).
"""

from __future__ import annotations

import math
import operator
import queue
import threading
from collections.abc import AsyncGenerator, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

import pyodbc
from pydantic import Field

from bridges.base import BlockingBridge
from bridges.errors import (
    AuthError,
    BridgeError,
    BridgeTimeout,
    ConfigError,
    ConnectError,
    MappingError,
    ProtocolError,
    RemoteFault,
)
from bridges.odbc_cassette import OdbcTape, query_json
from bridges.recording import CassetteSettings, Recorder, Redactor
from bridges.secrets import SecretStore
from bridges.watchdog import Watchdog

Param = str | int | Decimal | date | None
Row = dict[str, Any]


class ColumnType(StrEnum):
    CHAR = "char"  # fixed width: trailing blanks are padding, not data
    DECIMAL = "decimal"  # exact: Decimal from whatever the driver returns, never via float
    YYYYMMDD = "yyyymmdd"  # integer date; 0 means "no date"
    INTEGER = "integer"


@dataclass(frozen=True)
class Statement:
    """A declared SQL statement: text with `?` markers and the legacy types of its columns."""

    sql: str
    columns: Mapping[str, ColumnType] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if ";" in self.sql.rstrip().rstrip(";"):
            raise ConfigError("one statement per Statement: ';' found inside the SQL text")


@dataclass(frozen=True)
class Query:
    statement: Statement
    params: tuple[Param, ...] = ()
    max_rows: int | None = None
    timeout_s: float | None = None


@dataclass(frozen=True)
class ResultSet:
    columns: tuple[str, ...]
    rows: list[Row]


class OdbcSettings(CassetteSettings):
    """DSN-less connection facts; the password comes from the secret store by name."""

    driver: str = Field(description="Driver name as registered in odbcinst.ini, e.g. SQLite3")
    database: str
    server: str | None = None
    port: int | None = None
    user: str | None = None
    password_secret: str | None = Field(default=None, description="Secret store key")
    options: dict[str, str] = Field(default_factory=dict)
    pool_size: int = Field(default=4, ge=1, le=64)
    statement_timeout_s: float = Field(default=10.0, gt=0)
    fetch_batch: int = Field(default=1000, ge=1)


def char(value: str, width: int) -> str:
    """A parameter compared with a CHAR(width) column: blank-padded as DB2 compares them.

    Engines differ (PostgreSQL pads, SQLite compares bytes), padding the value works on all.
    """
    return value.ljust(width)


def _quoted(value: str) -> str:
    """ODBC connection-string quoting, only where needed (some drivers, e.g. SQLite3, do not
    unbrace values): {value} with '}' doubled whenever the value could add or end a key."""
    if any(ch in value for ch in ";{}=") or value != value.strip():
        return "{" + value.replace("}", "}}") + "}"
    return value


def connection_string(settings: OdbcSettings, password: str | None) -> str:
    parts = {"DRIVER": settings.driver, "Database": settings.database}
    if settings.server:
        parts["Server"] = settings.server
    if settings.port:
        parts["Port"] = str(settings.port)
    if settings.user:
        parts["Uid"] = settings.user
    if password is not None:
        parts["Pwd"] = password
    parts.update(settings.options)
    return ";".join(f"{k}={_quoted(v)}" for k, v in parts.items())


_CANCEL_REPEAT_S = 0.1
_LOST_CONNECTION = ("08", "57P")
# Drivers that report a lost connection as a general error (HY000) say so in words; the same
# approach as SQLAlchemy's is_disconnect. Lower-case fragments.
_LOST_CONNECTION_TEXT = ("server closed the connection", "terminating connection",
                         "connection has been lost", "no connection to the server",
                         "could not send data", "communication link failure",
                         "connection reset", "broken pipe")


@contextmanager
def map_pyodbc_errors(system: str, *, connecting: bool = False,
                      secrets: tuple[str, ...] = ()) -> Iterator[None]:
    """The one place pyodbc exceptions are caught and turned into the bridge error tree."""
    try:
        yield
    except pyodbc.Error as exc:
        state = str(exc.args[0]) if exc.args else ""
        message = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
        for secret in secrets:
            if secret:
                message = message.replace(secret, "***")
        error: BridgeError
        if state == "28000" or state.startswith("28"):
            error = AuthError(f"database refused the credentials: {message}", system=system)
        elif state.startswith("IM"):
            error = ConfigError(f"ODBC driver manager: {message}", system=system)
        elif connecting or state.startswith(_LOST_CONNECTION) or any(
                fragment in message.lower() for fragment in _LOST_CONNECTION_TEXT):
            error = ConnectError(f"database unreachable: {message}", system=system)
        elif state in ("HYT00", "HYT01"):
            error = BridgeTimeout(f"statement timed out: {message}", system=system)
        else:
            error = RemoteFault(f"database error {state}: {message}", code=state, system=system)
        raise error from exc


def _close_quietly(cursor: pyodbc.Cursor, conn: _Connection) -> None:
    """Close a cursor; one that cannot be closed means its connection is not reusable."""
    try:
        cursor.close()
    except pyodbc.Error:
        conn.healthy = False


class _Connection:
    """One pooled pyodbc connection and whether it may go back into the pool."""

    def __init__(self, raw: pyodbc.Connection) -> None:
        self.raw = raw
        self.healthy = True


def _decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    # Drivers hand DECIMAL over as Decimal, str (SQLite3) or, worst case, float: never via float.
    return Decimal(repr(value) if isinstance(value, float) else str(value).strip())


def _yyyymmdd(value: Any) -> date | None:
    number = int(value)
    return None if number == 0 else date(number // 10000, number // 100 % 100, number % 100)


_CONVERTERS: dict[ColumnType, Callable[[Any], Any]] = {
    ColumnType.CHAR: operator.methodcaller("rstrip", " "),
    ColumnType.DECIMAL: _decimal,
    ColumnType.YYYYMMDD: _yyyymmdd,
    ColumnType.INTEGER: int,
}
_BAD_VALUE = (ValueError, InvalidOperation, TypeError, ArithmeticError, AttributeError)


def _convert(value: Any, kind: ColumnType | None, column: str) -> Any:
    """One value, with the column named when it does not fit its declared type."""
    if value is None or kind is None:
        return value
    try:
        return _CONVERTERS[kind](value)
    except _BAD_VALUE as exc:
        raise MappingError(f"column {column}: {value!r} is not a valid {kind.value}") from exc


def convert_rows(raw: list[Any], names: tuple[str, ...], kinds: list[ColumnType | None]) -> (
    list[Row]
):
    """Map a batch of driver rows to dicts of Python values: the hot path of every read."""
    columns = [(n, _CONVERTERS[k] if k is not None else None)
               for n, k in zip(names, kinds, strict=True)]
    try:
        return [{n: v if f is None or v is None else f(v)
                 for (n, f), v in zip(columns, r, strict=True)} for r in raw]
    except _BAD_VALUE:
        # Slow path, only to name the offending column and value.
        for r in raw:
            for n, k, v in zip(names, kinds, r, strict=True):
                _convert(v, k, n)
        raise


class OdbcBridge(BlockingBridge[Query, ResultSet]):
    protocol = "odbc"
    settings_model = OdbcSettings

    def __init__(self, system: str, settings: OdbcSettings, secrets: SecretStore) -> None:
        super().__init__(system, max_workers=settings.pool_size)
        self.settings = settings
        self._secrets = secrets
        self._idle: queue.LifoQueue[_Connection] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(settings.pool_size)
        self.watchdog = Watchdog(f"odbc-watchdog-{system}")
        recorder = Recorder.from_settings(self.protocol, system, settings)
        self.tape = OdbcTape(recorder, system, self._redactor) if recorder else None

    # -- connections ---------------------------------------------------------------------
    def _password(self) -> str | None:
        name = self.settings.password_secret
        return self._secrets.get(name).get_secret_value() if name else None

    def _redactor(self) -> Redactor:
        """Masks the password in recordings; a secret that is not set cannot leak."""
        name = self.settings.password_secret
        secret = self._secrets.lookup(name) if name else None
        return Redactor((secret.get_secret_value(),) if secret else ())

    def _connect(self) -> _Connection:
        password = self._password()
        with map_pyodbc_errors(self.system, connecting=True, secrets=(password or "",)):
            raw = pyodbc.connect(connection_string(self.settings, password), autocommit=True,
                                 timeout=max(1, math.ceil(self.settings.statement_timeout_s)))
        return _Connection(raw)

    @contextmanager
    def _lease(self) -> Iterator[_Connection]:
        self._slots.acquire()
        try:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                conn = self._connect()
            try:
                yield conn
            finally:
                if conn.healthy:
                    self._idle.put(conn)
                else:
                    conn.raw.close()
        finally:
            self._slots.release()

    @contextmanager
    def _guarded(self, conn: _Connection, cursor: pyodbc.Cursor, timeout_s: float) -> (
        Iterator[None]
    ):
        """Cancel the statement from a watchdog thread when it outlives its timeout.

        The watchdog keeps cancelling until the statement returns: a cancel that lands before
        the driver has started executing is a no-op, and must not let the statement run on.
        """
        fired = threading.Event()

        def cancel() -> float:
            fired.set()
            try:
                cursor.cancel()
            except pyodbc.Error:
                conn.healthy = False
            return _CANCEL_REPEAT_S  # until disarmed: the statement has returned

        handle = self.watchdog.arm(timeout_s, cancel)
        try:
            with map_pyodbc_errors(self.system):
                try:
                    yield
                except pyodbc.Error:
                    if fired.is_set():
                        conn.healthy = False
                        raise BridgeTimeout(
                            f"statement cancelled after {timeout_s:g}s", system=self.system
                        ) from None
                    raise
        except ConnectError:
            conn.healthy = False
            raise
        finally:
            self.watchdog.disarm(handle)

    # -- statements ----------------------------------------------------------------------
    @staticmethod
    def _check_params(params: tuple[Param, ...]) -> None:
        for p in params:
            if not isinstance(p, (str, int, Decimal, date)) and p is not None:
                raise ConfigError(f"unsupported SQL parameter type {type(p).__name__}")

    def _execute(self, conn: _Connection, query: Query) -> pyodbc.Cursor:
        self._check_params(query.params)
        cursor = conn.raw.cursor()
        timeout = query.timeout_s or self.settings.statement_timeout_s
        try:
            with self._guarded(conn, cursor, timeout):
                cursor.execute(query.statement.sql, *query.params)
        except BaseException:
            _close_quietly(cursor, conn)
            raise
        return cursor

    def _mapper(self, cursor: pyodbc.Cursor, statement: Statement) -> (
        tuple[tuple[str, ...], list[ColumnType | None]]
    ):
        if cursor.description is None:
            raise ProtocolError("statement returned no result set", system=self.system)
        names = tuple(str(d[0]).upper() for d in cursor.description)
        return names, [statement.columns.get(n) for n in names]

    def exchange_blocking(self, request: Query) -> ResultSet:
        if self.tape is None:
            return self._fetch(request)

        def fetch() -> tuple[tuple[str, ...], list[Row]]:
            result = self._fetch(request)
            return result.columns, result.rows

        key = query_json(request.statement.sql, request.params, request.max_rows)
        return ResultSet(*self.tape.exchange(key, fetch))

    def _fetch(self, request: Query) -> ResultSet:
        with self._lease() as conn:
            cursor = self._execute(conn, request)
            try:
                names, kinds = self._mapper(cursor, request.statement)
                rows: list[Row] = []
                limit = request.max_rows
                batch = self.settings.fetch_batch
                while limit is None or len(rows) < limit:
                    size = batch if limit is None else min(batch, limit - len(rows))
                    with self._guarded(conn, cursor, request.timeout_s
                                       or self.settings.statement_timeout_s):
                        chunk = cursor.fetchmany(size)
                    if not chunk:
                        break
                    rows.extend(convert_rows(chunk, names, kinds))
            finally:
                # A statement left open keeps its locks (SQLite: the whole file) until closed.
                _close_quietly(cursor, conn)
            return ResultSet(names, rows)

    def stream(self, request: Query, batch_size: int | None = None) -> AsyncGenerator[list[Row]]:
        """Yield the result in batches (fetchmany), holding one pooled connection throughout."""
        size = batch_size or self.settings.fetch_batch
        if self.tape is None:
            return self._stream(request, size)
        key = query_json(request.statement.sql, request.params, None, stream=True)
        return self.tape.stream(key, lambda: self._stream(request, size), size)

    async def _stream(self, request: Query, size: int) -> AsyncGenerator[list[Row]]:
        """The live stream. Each batch is fetched AND converted in the worker thread, one hop
        per batch. No prefetching: pyodbc releases the GIL around every row it fetches, and a
        fetch thread competing with a busy event loop for the GIL runs several times slower.
        """
        timeout = request.timeout_s or self.settings.statement_timeout_s
        lease = self._lease()
        conn = await self.workers.run(lease.__enter__)
        try:
            cursor = await self.workers.run(self._execute, conn, request)
            names, kinds = self._mapper(cursor, request.statement)

            def fetch() -> list[Row]:
                with self._guarded(conn, cursor, timeout):
                    chunk = cursor.fetchmany(size)
                return convert_rows(chunk, names, kinds)

            try:
                while batch := await self.workers.run(fetch):
                    yield batch
            finally:
                await self.workers.run(_close_quietly, cursor, conn)
        finally:
            await self.workers.run(lease.__exit__, None, None, None)

    async def close(self) -> None:
        if self.tape is not None:
            self.tape.recorder.save()
        while True:
            try:
                self._idle.get_nowait().raw.close()
            except queue.Empty:
                break
        await super().close()
