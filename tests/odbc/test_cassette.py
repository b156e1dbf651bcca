"""ODBC record/replay: recorded live on both drivers, replayed with no database and no secret."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bridges.errors import ProtocolError, RemoteFault
from bridges.odbc import ColumnType, OdbcBridge, Query, ResultSet, Statement, char
from bridges.odbc_cassette import decode, encode
from bridges.recording import ReplayMiss
from bridges.secrets import MemorySecretStore
from emulators.bankdb import BankDatabase

PASSWORD = "odbc-Secret-7f3a"  # PostgreSQL trusts and SQLite ignores it: any value works
TXN = Statement(
    "SELECT TXN_ID, TXN_AMT, BOOK_DT, CPTY_NAME, CHG_SEQ FROM TXNHIST WHERE ACCT_NO = ? "
    "AND TXN_AMT >= ? ORDER BY TXN_ID",
    {"TXN_ID": ColumnType.CHAR, "TXN_AMT": ColumnType.DECIMAL, "BOOK_DT": ColumnType.YYYYMMDD,
     "CPTY_NAME": ColumnType.CHAR})
CUSTOMER = Statement("SELECT CUST_ID, CUST_LNAME FROM CUSTMAST WHERE CUST_ID = ?",
                     {"CUST_ID": ColumnType.CHAR, "CUST_LNAME": ColumnType.CHAR})
ALL_TXN_IDS = Statement("SELECT TXN_ID FROM TXNHIST ORDER BY TXN_ID", {"TXN_ID": ColumnType.CHAR})
BAD_SQL = Statement("SELECT NO_SUCH_COLUMN FROM CUSTMAST")


def bridge(db: BankDatabase, mode: str, cassette: Path, secrets: MemorySecretStore,
           **overrides: Any) -> OdbcBridge:
    config = {**db.connection(), "password_secret": "bankdb.password", **overrides,
              **OdbcBridge.cassette_config(mode, cassette)}  # type: ignore[arg-type]
    return OdbcBridge.from_config("bankdb", config, secrets)


def typed(result: ResultSet) -> str:
    """Equality that also tells Decimal('1.50') from Decimal('1.5') and a date from a str."""
    return repr((result.columns, result.rows))


async def collect(b: OdbcBridge, query: Query, size: int) -> list[list[dict[str, Any]]]:
    return [batch async for batch in b.stream(query, batch_size=size)]


async def test_recorded_live_replays_exactly_without_database_or_secret(
        bankdb: BankDatabase, tmp_path: Path) -> None:
    cassette = tmp_path / "bankdb.json"
    queries = [Query(TXN, ("1000000001", Decimal("100.00"))),
               Query(CUSTOMER, (char("C000001", 8),), max_rows=1),
               Query(ALL_TXN_IDS, max_rows=25)]
    live_bridge = bridge(bankdb, "record", cassette,
                         MemorySecretStore({"bankdb.password": PASSWORD}))
    try:
        live = await asyncio.gather(*(live_bridge.exchange(q) for q in queries))
        live_batches = await collect(live_bridge, Query(CUSTOMER, (char("C000002", 8),)), 1)
        with pytest.raises(RemoteFault) as live_error:
            await live_bridge.exchange(Query(BAD_SQL))
        # a secret that reaches a statement is masked like any other
        await live_bridge.exchange(Query(CUSTOMER, (PASSWORD,)))
    finally:
        await live_bridge.close()
    assert live[0].rows and isinstance(live[0].rows[0]["TXN_AMT"], Decimal)
    assert isinstance(live[0].rows[0]["BOOK_DT"], date) and len(live[2].rows) == 25
    assert live[1].rows == [{"CUST_ID": "C000001", "CUST_LNAME": "Doe"}]
    assert [len(b) for b in live_batches] == [1]
    text = cassette.read_text(encoding="utf-8")
    assert PASSWORD not in text
    recorded = json.loads(text)
    assert recorded["protocol"] == "odbc" and len(recorded["interactions"]) == 6
    requests = [i["request"] for i in recorded["interactions"]]
    assert {"sql": TXN.sql, "params": ["1000000001", {"$decimal": "100.00"}],
            "max_rows": None} in requests

    # A bogus driver: had the bridge tried to connect, it would fail with a ConfigError.
    player = bridge(bankdb, "replay", cassette, MemorySecretStore(), driver="No Such Driver")
    try:
        replayed = await asyncio.gather(*(player.exchange(q) for q in reversed(queries)))
        assert [typed(r) for r in reversed(replayed)] == [typed(r) for r in live]
        assert repr(await collect(player, Query(CUSTOMER, (char("C000002", 8),)), 1)) == repr(
            live_batches)
        with pytest.raises(RemoteFault) as replayed_error:
            await player.exchange(Query(BAD_SQL))
        assert type(replayed_error.value) is type(live_error.value)
        assert replayed_error.value.code == live_error.value.code
        assert replayed_error.value.message == live_error.value.message
        with pytest.raises(ReplayMiss):
            await player.exchange(Query(CUSTOMER, (char("C000003", 8),)))
        with pytest.raises(ReplayMiss):  # same SQL, another max_rows: another request
            await player.exchange(Query(ALL_TXN_IDS, max_rows=26))
    finally:
        await player.close()


async def test_streams_replay_what_was_fetched_and_how_they_ended(
        sqlite_bank: BankDatabase, tmp_path: Path) -> None:
    cassette = tmp_path / "stream.json"
    recorder = bridge(sqlite_bank, "record", cassette,
                      MemorySecretStore({"bankdb.password": PASSWORD}), pool_size=1)
    query = Query(ALL_TXN_IDS)
    try:
        batches = recorder.stream(query, batch_size=10)
        first = await anext(batches)
        await batches.aclose()
        # the only pooled connection went back when the stream was abandoned
        assert len((await recorder.exchange(Query(CUSTOMER, (char("C000001", 8),)))).rows) == 1
        with pytest.raises(RemoteFault):
            await collect(recorder, Query(BAD_SQL), 10)
    finally:
        await recorder.close()
    player = bridge(sqlite_bank, "replay", cassette, MemorySecretStore())
    rows: list[dict[str, Any]] = []
    try:
        with pytest.raises(ReplayMiss, match="abandoned after 10 rows"):
            async for batch in player.stream(query, batch_size=4):
                rows.extend(batch)
        with pytest.raises(RemoteFault):
            await collect(player, Query(BAD_SQL), 10)
    finally:
        await player.close()
    assert rows == first


@pytest.mark.parametrize("value", [
    Decimal("12.30"), Decimal("-0.0001"), Decimal("1E+3"), date(2026, 1, 31),
    datetime(2026, 1, 31, 23, 59, 58, 123456), time(7, 30, 1),
    datetime(2026, 1, 31, 8, 0, tzinfo=timezone(timedelta(hours=-5))), b"\x00\xffbin",
    "text", 42, 2.5, True, None])
def test_typed_values_survive_the_json_round_trip(value: Any) -> None:
    back = decode(json.loads(json.dumps(encode(value))))
    assert type(back) is type(value) and back == value and repr(back) == repr(value)


def test_an_unknown_tag_is_refused() -> None:
    with pytest.raises(ProtocolError):
        decode({"$pickle": "..."})
