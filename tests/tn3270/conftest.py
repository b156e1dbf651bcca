"""TN3270 fixtures: the host emulator, a bridge on it through real s3270, a gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import pytest

from adapters.core_banking import system_config
from bridges.secrets import MemorySecretStore
from bridges.tn3270 import Tn3270Bridge
from emulators.dataset import BankDataset
from emulators.tn3270 import Tn3270Host
from tests.support.servers import ServedApp, serve_gateway


def expected_ledger(account_id: str) -> Decimal:
    """Computed here from the dataset, independently of the emulator's code."""
    data = BankDataset()
    total = Decimal(data.accounts_by_id[account_id]["opening_balance"])
    for txn in data.transactions:
        if txn["account_id"] == account_id:
            amount = Decimal(txn["amount"])
            total += amount if txn["direction"] == "C" else -amount
    return total


def make_bridge(host: Tn3270Host, password: str | None = None,
                **overrides: Any) -> Tn3270Bridge:
    port = overrides.pop("port", host.port)
    config = {k: v for k, v in system_config(port, **overrides).items() if k != "bridge"}
    password = password or host.users[config["user"]].password
    secrets = MemorySecretStore({"corebanking.password": password})
    return Tn3270Bridge.from_config("corebanking", config, secrets)


@pytest.fixture(scope="session")
def host() -> Iterator[Tn3270Host]:
    with Tn3270Host() as served:
        yield served


@pytest.fixture(scope="session")
async def bridge(host: Tn3270Host) -> AsyncIterator[Tn3270Bridge]:
    b = make_bridge(host, max_sessions=2)
    await b.open()
    yield b
    await b.close()


@pytest.fixture(scope="session")
def gateway(host: Tn3270Host, roles: dict[str, list[str]]) -> Iterator[ServedApp]:
    secrets = MemorySecretStore({"corebanking.password": host.password})
    with serve_gateway({"corebanking": system_config(host.port)}, roles, secrets) as served:
        yield served
