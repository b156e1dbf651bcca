"""The ODBC bridge over the real driver manager, on SQLite3 and PostgreSQL drivers alike."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import pyodbc
import pytest

from bridges.errors import (
    AuthError,
    BridgeTimeout,
    ConfigError,
    ConnectError,
    MappingError,
    RemoteFault,
)
from bridges.odbc import (
    ColumnType,
    OdbcBridge,
    OdbcSettings,
    Query,
    Statement,
    char,
    connection_string,
    map_pyodbc_errors,
)
from bridges.secrets import MemorySecretStore
from emulators.bankdb import BankDatabase
from emulators.dataset import BankDataset
from tests.odbc.conftest import make_bridge

TXN = Statement(
    "SELECT TXN_ID, TXN_AMT, BOOK_DT, TXN_DESC, CPTY_NAME FROM TXNHIST WHERE ACCT_NO = ? "
    "ORDER BY TXN_ID",
    {"TXN_ID": ColumnType.CHAR, "TXN_AMT": ColumnType.DECIMAL, "BOOK_DT": ColumnType.YYYYMMDD,
     "TXN_DESC": ColumnType.CHAR, "CPTY_NAME": ColumnType.CHAR})


async def test_legacy_types_are_mapped_exactly(bridge: OdbcBridge) -> None:
    result = await bridge.exchange(Query(TXN, ("1000000001",)))
    expected = [t for t in BankDataset().transactions if t["account_id"] == "1000000001"]
    assert result.columns == ("TXN_ID", "TXN_AMT", "BOOK_DT", "TXN_DESC", "CPTY_NAME")
    assert len(result.rows) == len(expected) == 40
    for row, want in zip(result.rows, expected, strict=True):
        assert row["TXN_ID"] == want["txn_id"]  # CHAR padding stripped
        assert row["TXN_AMT"] == Decimal(want["amount"])  # exact, whatever the driver sent
        assert isinstance(row["TXN_AMT"], Decimal)
        assert row["BOOK_DT"] == date.fromisoformat(want["booking_date"])
        assert row["TXN_DESC"] == want["description"]


async def test_max_rows_and_streaming_fetch(bridge: OdbcBridge) -> None:
    statement = Statement("SELECT TXN_ID FROM TXNHIST ORDER BY TXN_ID",
                          {"TXN_ID": ColumnType.CHAR})
    few = await bridge.exchange(Query(statement, max_rows=7))
    assert len(few.rows) == 7
    batches = [len(b) async for b in bridge.stream(Query(statement), batch_size=4000)]
    assert batches[:-1] == [4000] * (len(batches) - 1)
    assert sum(batches) == len(BankDataset().transactions)


async def test_sql_metacharacters_in_parameters_stay_literal(bridge: OdbcBridge) -> None:
    statement = Statement("SELECT CUST_ID FROM CUSTMAST WHERE CUST_LNAME = ?",
                          {"CUST_ID": ColumnType.CHAR})
    for hostile in ("x' OR '1'='1", "'; DROP TABLE CUSTMAST; --", "%", "\\' OR 1=1 --"):
        assert (await bridge.exchange(Query(statement, (hostile,)))).rows == []
    obrien = [c["customer_id"] for c in BankDataset().customers if c["last_name"] == "O'Brien"]
    found = await bridge.exchange(Query(statement, (char("O'Brien", 30),)))
    assert sorted(r["CUST_ID"] for r in found.rows) == sorted(obrien)
    count = Statement("SELECT COUNT(*) AS N FROM CUSTMAST")
    assert (await bridge.exchange(Query(count))).rows[0]["N"] == 200  # nothing dropped


async def test_a_statement_over_its_timeout_is_cancelled(bankdb: BankDatabase) -> None:
    slow_bridge = make_bridge(bankdb, statement_timeout_s=0.5)
    bankdb.set_slow_statements(20)
    try:
        with pytest.raises(BridgeTimeout) as caught:
            await slow_bridge.exchange(Query(TXN, ("1000000001",)))
        assert caught.value.retriable
    finally:
        bankdb.set_slow_statements(0)
    # The pool recovers: the next statement on the same bridge works.
    assert len((await slow_bridge.exchange(Query(TXN, ("1000000001",)))).rows) == 40
    await slow_bridge.close()


async def test_sql_errors_are_remote_faults_with_their_sqlstate(bridge: OdbcBridge) -> None:
    with pytest.raises(RemoteFault) as caught:
        await bridge.exchange(Query(Statement("SELECT NO_SUCH_COLUMN FROM TXNHIST")))
    assert caught.value.code and not caught.value.retriable


async def test_unreachable_database_is_a_retriable_connect_error() -> None:
    missing = OdbcBridge("bankdb", OdbcSettings(
        driver="SQLite3", database="/nonexistent/dir/bank.db", options={"NoCreat": "1"}),
        MemorySecretStore())
    with pytest.raises(ConnectError) as caught:
        await missing.exchange(Query(TXN, ("1000000001",)))
    assert caught.value.retriable


async def test_many_concurrent_calls_share_a_bounded_pool(bridge: OdbcBridge) -> None:
    calls = [bridge.exchange(Query(TXN, (f"{1000000001 + n}",))) for n in range(40)]
    results = await asyncio.gather(*calls)
    assert all(r.rows for r in results)
    assert bridge._idle.qsize() <= bridge.settings.pool_size


def test_connection_string_quoting_cannot_add_keys() -> None:
    settings = OdbcSettings(driver="PostgreSQL Unicode", database="bank", server="db",
                            user="app")
    text = connection_string(settings, "pa;ss}word")
    assert text.endswith("Pwd={pa;ss}}word}")
    assert text.startswith("DRIVER=PostgreSQL Unicode;Database=bank;Server=db;Uid=app;")


@pytest.mark.parametrize(("state", "kind"), [
    ("28000", AuthError), ("08001", ConnectError), ("57P01", ConnectError),
    ("HYT00", BridgeTimeout), ("42S22", RemoteFault), ("IM002", ConfigError)])
def test_sqlstates_map_to_the_error_tree(state: str, kind: type[Exception]) -> None:
    with pytest.raises(kind) as caught, map_pyodbc_errors("bankdb", secrets=("s3cret",)):
        raise pyodbc.Error(state, f"[{state}] failed for password s3cret")
    assert "s3cret" not in str(caught.value)


def test_bad_values_are_mapping_errors_not_wrong_data() -> None:
    from bridges.odbc import _convert

    with pytest.raises(MappingError, match="TXN_AMT"):
        _convert("12,50", ColumnType.DECIMAL, "TXN_AMT")
    with pytest.raises(MappingError):
        _convert(20261345, ColumnType.YYYYMMDD, "BOOK_DT")
    assert _convert(0, ColumnType.YYYYMMDD, "BOOK_DT") is None
    assert _convert(0.1, ColumnType.DECIMAL, "X") == Decimal("0.1")


def test_one_statement_per_statement() -> None:
    with pytest.raises(ConfigError):
        Statement("SELECT 1; DROP TABLE TXNHIST")
