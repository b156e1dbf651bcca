"""Browser fixtures: the loans portal emulator, one pooled bridge on it (one Chromium), tools."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.kit import ToolContext
from adapters.loans import PASSWORD_SECRET, system_config
from bridges.browser import BrowserBridge
from bridges.secrets import MemorySecretStore
from emulators.dataset import BankDataset
from emulators.web import LoansPortal
from tests.support.servers import ServedApp, serve_gateway

DATA = BankDataset()


def make_bridge(portal: LoansPortal, password: str | None = None,
                **settings: Any) -> BrowserBridge:
    config = {k: v for k, v in system_config(portal.url, **settings).items() if k != "bridge"}
    secrets = MemorySecretStore({PASSWORD_SECRET: password or portal.password})
    return BrowserBridge.from_config("loans", config, secrets)


def expected(loan_id: str) -> dict[str, object]:
    """A loan as the dataset has it, compared field by field with what was scraped."""
    row = next(r for r in DATA.loans if r["loan_id"] == loan_id)
    customer = DATA.customers_by_id[row["customer_id"]]
    return {"loan_id": loan_id, "customer_id": row["customer_id"],
            "borrower_name": f"{customer['first_name']} {customer['last_name']}",
            "product_code": row["product_code"],
            "principal": {"amount": row["principal"], "currency": row["currency"]},
            "outstanding": {"amount": row["outstanding"], "currency": row["currency"]},
            "interest_rate_pct": row["interest_rate_pct"], "term_months": row["term_months"],
            "start_date": row["start_date"], "status": row["status"], "purpose": None,
            "version": 1}


def context(bridge: BrowserBridge) -> ToolContext:
    return ToolContext(bridges={"loans": bridge}, trace_id="test", agent="test")


@pytest.fixture(scope="session")
def portal() -> Iterator[LoansPortal]:
    with LoansPortal() as served:
        yield served


@pytest.fixture(scope="session")
def diagnostics(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("diagnostics")


@pytest.fixture(scope="session")
async def loans_bridge(portal: LoansPortal, diagnostics: Path) -> AsyncIterator[BrowserBridge]:
    """One Chromium for most browser tests: launching costs 0.15-0.35 s on this machine."""
    bridge = make_bridge(portal, contexts=2, diagnostics_dir=str(diagnostics),
                         step_timeout_s=10.0)
    await bridge.open()
    yield bridge
    await bridge.close()


@pytest.fixture
def ctx(loans_bridge: BrowserBridge) -> ToolContext:
    return context(loans_bridge)


@pytest.fixture(scope="session")
def loans_gateway(portal: LoansPortal, roles: dict[str, list[str]]) -> Iterator[ServedApp]:
    """A real gateway whose loans system is the portal (its own bridge, its own Chromium)."""
    secrets = MemorySecretStore({PASSWORD_SECRET: portal.password})
    with serve_gateway({"loans": system_config(portal.url)}, roles, secrets) as served:
        yield served
