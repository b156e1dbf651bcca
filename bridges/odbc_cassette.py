"""ODBC statements and result rows as cassette JSON that replays the exact Python types.

JSON has no Decimal, date or bytes, so such values are tagged: `{"$decimal": "12.30"}`,
`{"$date": "2026-01-31"}`, `{"$datetime": ...}`, `{"$time": ...}`, `{"$bytes": <base64>}`.
A request is the SQL text, its parameters and max_rows; a reply is the columns and the
converted rows (or, from `stream`, the rows it yielded and how it ended).
"""

from __future__ import annotations

import base64
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from bridges.errors import BridgeError, ConfigError, ProtocolError
from bridges.recording import JSON, Recorder, Redactor, ReplayMiss, error_json, raise_recorded

_TAGS: dict[str, Callable[[str], Any]] = {
    "$decimal": Decimal,
    "$datetime": datetime.fromisoformat,
    "$date": date.fromisoformat,
    "$time": time.fromisoformat,
    "$bytes": base64.b64decode,
}


def encode(value: Any) -> JSON:
    """One parameter or column value as JSON; a type replay could not restore is refused."""
    if value is None or isinstance(value, (str, int, float)):  # bool is an int
        return value
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime):  # before date: a datetime is a date
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    raise ConfigError(f"cannot record a {type(value).__name__} value in an ODBC cassette")


def decode(value: JSON) -> Any:
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((tag, text),) = value.items()
        if tag in _TAGS and isinstance(text, str):
            return _TAGS[tag](text)
    raise ProtocolError(f"ODBC cassette holds an unknown value {value!r}")


def query_json(sql: str, params: Sequence[Any], max_rows: int | None, *,
               stream: bool = False) -> JSON:
    """The request: what reaches the database. A stream fetches every row, in batches."""
    if stream:
        return {"sql": sql, "params": [encode(p) for p in params], "stream": True}
    return {"sql": sql, "params": [encode(p) for p in params], "max_rows": max_rows}


def rows_json(rows: list[dict[str, Any]]) -> list[JSON]:
    return [{name: encode(value) for name, value in row.items()} for row in rows]


def rows_from_json(rows: list[JSON]) -> list[dict[str, Any]]:
    return [{name: decode(value) for name, value in row.items()} for row in rows]


Columns = tuple[str, ...]
Rows = list[dict[str, Any]]


class OdbcTape:
    """Records or replays an ODBC bridge's statements; thread-safe (the cassette locks)."""

    def __init__(self, recorder: Recorder, system: str,
                 redactor: Callable[[], Redactor]) -> None:
        self.recorder = recorder
        self.system = system
        self.redactor = redactor  # only called while recording: it needs the live password

    def exchange(self, request: JSON, fetch: Callable[[], tuple[Columns, Rows]]) -> (
        tuple[Columns, Rows]
    ):
        if self.recorder.replaying:
            reply = self.recorder.cassette.replay(request)
            raise_recorded(reply, self.system)
            return tuple(reply["columns"]), rows_from_json(reply["rows"])
        try:
            columns, rows = fetch()
        except BridgeError as exc:
            self.recorder.cassette.record(request, error_json(exc), self.redactor())
            raise
        self.recorder.cassette.record(request, {"columns": list(columns),
                                                "rows": rows_json(rows)}, self.redactor())
        return columns, rows

    async def stream(self, request: JSON, live: Callable[[], AsyncGenerator[Rows]],
                     batch_size: int) -> AsyncGenerator[Rows]:
        if self.recorder.replaying:
            reply = self.recorder.cassette.replay(request)
            rows = rows_from_json(reply["rows"])
            for start in range(0, len(rows), batch_size):
                yield rows[start:start + batch_size]
            raise_recorded(reply, self.system)
            if reply.get("abandoned"):
                raise ReplayMiss(f"the recorded stream was abandoned after {len(rows)} rows: "
                                 "the cassette has no more", system=self.system)
            return
        fetched: Rows = []
        ending: dict[str, JSON] = {"abandoned": True}  # until the stream ends by itself
        try:
            async with aclosing(live()) as batches:  # an abandoned stream frees its connection
                async for batch in batches:
                    fetched.extend(batch)
                    yield batch
            ending = {}
        except BridgeError as exc:
            ending = error_json(exc)
            raise
        finally:
            self.recorder.cassette.record(request, {"rows": rows_json(fetched), **ending},
                                          self.redactor())
