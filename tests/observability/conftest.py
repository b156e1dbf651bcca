"""A real gateway over the bank database, with its audit log in a temporary folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from emulators.bankdb import SqliteBankDb
from gateway.metrics import Metrics
from gateway.runtime import Runtime
from gateway.tracing import Tracing
from tests.conftest import odbc_system
from tests.support.servers import ServedApp, serve_gateway

ObservedFactory = Callable[..., ServedApp]


@pytest.fixture
def observed(sqlite_bank: SqliteBankDb, roles: dict[str, list[str]],
             tmp_path: Path) -> ObservedFactory:
    """Builds a gateway whose state (audit log) lives in tmp_path; spans go to memory."""

    def build(**settings: Any) -> ServedApp:
        settings.setdefault("state_dir", tmp_path / "state")
        settings.setdefault("trace_exporter", "memory")
        return serve_gateway(odbc_system(sqlite_bank, statement_timeout_s=0.5), roles,
                             **settings)

    return build


@pytest.fixture
def gateway(observed: ObservedFactory) -> Iterator[ServedApp]:
    with observed() as served:
        yield served


def runtime_of(served: ServedApp) -> Runtime:
    app = served.server.config.app
    assert isinstance(app, FastAPI)
    runtime: Runtime = app.state.runtime
    return runtime


def metrics_of(served: ServedApp) -> Metrics:
    metrics = runtime_of(served).metrics
    assert isinstance(metrics, Metrics)
    return metrics


def tracing_of(served: ServedApp) -> Tracing:
    return next(o for o in runtime_of(served).observers if isinstance(o, Tracing))


def call(served: ServedApp, tool: str, arguments: Any, role: str = "support",
         **headers: str) -> httpx.Response:
    with served.client(role, **headers) as client:
        return client.post(f"/tools/{tool}", json=arguments)


def trail(served: ServedApp, **filters: Any) -> list[dict[str, Any]]:
    """The audit trail as the compliance agent reads it, through the gateway."""
    response = call(served, "get_audit_trail", filters, role="compliance")
    assert response.status_code == 200, response.text
    assert response.json()["schema"] == "audit_record@1"
    records: list[dict[str, Any]] = response.json()["data"]
    return records
