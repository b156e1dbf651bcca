"""Shared fixtures: real emulators and a real gateway on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from emulators.bankdb import BankDatabase, PostgresBankDb, SqliteBankDb
from gateway.demo import demo_roles
from tests.support.servers import ServedApp, serve_gateway


@pytest.fixture(scope="session")
def roles() -> dict[str, list[str]]:
    """The demo policy's roles, given to the test agents of the same names."""
    return demo_roles()


@pytest.fixture(scope="session")
def sqlite_bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteBankDb]:
    with SqliteBankDb(tmp_path_factory.mktemp("bank") / "bank.db") as db:
        yield db


@pytest.fixture(scope="session")
def postgres_bank() -> Iterator[PostgresBankDb]:
    with PostgresBankDb() as db:
        yield db


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def bankdb(request: pytest.FixtureRequest) -> BankDatabase:
    """The bank database behind each ODBC driver: every test using it runs on both."""
    name = "sqlite_bank" if request.param == "sqlite" else "postgres_bank"
    db: BankDatabase = request.getfixturevalue(name)
    return db


@pytest.fixture
def doomed_postgres() -> Iterator[PostgresBankDb]:
    """A bank database of the test's own, which the test may take down and bring back."""
    with PostgresBankDb() as db:
        yield db


def odbc_system(db: BankDatabase, **overrides: Any) -> dict[str, dict[str, Any]]:
    return {"bankdb": {"bridge": "odbc", **db.connection(), **overrides}}


@pytest.fixture(scope="session")
def bank_gateway(bankdb: BankDatabase, roles: dict[str, list[str]]) -> Iterator[ServedApp]:
    """A real gateway over the bank database (once per driver)."""
    with serve_gateway(odbc_system(bankdb), roles) as served:
        yield served
