"""The ODBC catalog reader, on both drivers: what it reports is the same bank, typed alike."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bridges.errors import ConfigError, NotFound
from bridges.odbc_catalog import Column, OdbcCatalog, SqlType
from bridges.secrets import MemorySecretStore
from emulators.bankdb import BankDatabase


@pytest.fixture
async def catalog(bankdb: BankDatabase) -> AsyncIterator[OdbcCatalog]:
    bridge = OdbcCatalog.from_config("bankdb", bankdb.connection(), MemorySecretStore())
    yield bridge
    await bridge.close()


async def test_columns_types_and_primary_key_of_a_table(catalog: OdbcCatalog) -> None:
    table = await catalog.table("ACCTMAST")
    assert table.name == "ACCTMAST" and table.primary_key == ("ACCT_NO",)
    assert table.columns[0] == Column("ACCT_NO", SqlType.CHAR, 10, None, False)
    assert table.column("open_dt") == Column("OPEN_DT", SqlType.INTEGER, None, None, False)
    assert table.column("OPEN_BAL") == Column("OPEN_BAL", SqlType.DECIMAL, 15, 2, False)


async def test_any_case_composite_keys_varchar_and_nullable(catalog: OdbcCatalog) -> None:
    prices = await catalog.table("pricetab")
    assert prices.primary_key == ("PROD_CD", "SEG_CD")
    assert prices.column("INT_RATE") == Column("INT_RATE", SqlType.DECIMAL, 7, 4, True)
    products = await catalog.table("Prodmast")
    assert products.column("PROD_DESC") == Column("PROD_DESC", SqlType.VARCHAR, 200, None,
                                                  False)


async def test_unknown_tables_and_unsafe_names_are_refused(catalog: OdbcCatalog) -> None:
    with pytest.raises(NotFound, match="no table NO_SUCH"):
        await catalog.table("NO_SUCH")
    with pytest.raises(ConfigError, match="not a plain SQL identifier"):
        await catalog.table("ACCTMAST; DROP TABLE ACCTMAST")
    with pytest.raises(ConfigError, match="has no column 'NOPE'"):
        (await catalog.table("ACCTMAST")).column("NOPE")
