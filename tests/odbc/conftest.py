"""ODBC fixtures: a bridge over each driver's bank database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bridges.odbc import OdbcBridge, OdbcSettings
from bridges.secrets import MemorySecretStore
from emulators.bankdb import BankDatabase


def make_bridge(db: BankDatabase, **overrides: Any) -> OdbcBridge:
    settings = OdbcSettings(**{**db.connection(), **overrides})
    return OdbcBridge("bankdb", settings, MemorySecretStore())


@pytest.fixture
async def bridge(bankdb: BankDatabase) -> AsyncIterator[OdbcBridge]:
    b = make_bridge(bankdb)
    await b.open()
    yield b
    await b.close()
