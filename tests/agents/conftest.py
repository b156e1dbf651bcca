"""Agent interfaces: a real gateway over the bank database, MCP clients, job helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from emulators.bankdb import SqliteBankDb
from tests.conftest import odbc_system
from tests.support.servers import TEST_KEYS, ServedApp, serve_gateway

McpConnect = Callable[[str | None], AbstractAsyncContextManager[Client]]


@pytest.fixture(scope="module")
def gateway(sqlite_bank: SqliteBankDb, roles: dict[str, list[str]]) -> Iterator[ServedApp]:
    with serve_gateway(odbc_system(sqlite_bank), roles) as served:
        yield served


@pytest.fixture
def mcp_client(gateway: ServedApp) -> McpConnect:
    """Connect the SDK's own client to /mcp over HTTP as one test agent (None: no key)."""

    @asynccontextmanager
    async def connect(role: str | None) -> AsyncIterator[Client]:
        headers: dict[str, Any] = {"Authorization": f"Bearer {TEST_KEYS[role]}"} if role else {}
        async with create_mcp_http_client(headers=headers) as http, Client(
                streamable_http_client(f"{gateway.url}/mcp", http_client=http)) as client:
            yield client

    return connect
