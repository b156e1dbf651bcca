"""Agent interfaces: a real gateway over the bank database, MCP clients, job helpers."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from adapters import crm, proposals
from bridges.secrets import MemorySecretStore
from emulators.bankdb import SqliteBankDb
from emulators.smtp import USERNAME as MAIL_USERNAME
from emulators.smtp import MailServer
from emulators.soap import SoapEmulator
from gateway.registry import load_tools
from tests.agents.slow_tools import SLOW_TOOLS
from tests.conftest import odbc_system
from tests.support.servers import TEST_KEYS, ServedApp, serve_gateway

FINAL_STATES = {"succeeded", "failed", "cancelled"}
WEBHOOK_KEY = b"test-webhook-signing-key-0123456789"

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


@pytest.fixture(scope="module")
def soap() -> Iterator[SoapEmulator]:
    with SoapEmulator(sanctions_latency_s=0.0) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def mail() -> Iterator[MailServer]:
    with MailServer() as server:
        yield server


@pytest.fixture
def mail_faults(mail: MailServer) -> Iterator[MailServer]:
    yield mail
    mail.faults.defer_next = mail.faults.refuse_next = 0
    mail.faults.stall_s = 0.0


def job_systems(bank: SqliteBankDb, soap: SoapEmulator,
                mail: MailServer) -> dict[str, dict[str, Any]]:
    return {**odbc_system(bank), "crm": crm.system_config(soap.url("/crm/v2"), "v2"),
            "mail": proposals.system_config(mail.port, MAIL_USERNAME)}


def job_roles(roles: dict[str, list[str]]) -> dict[str, list[str]]:
    """The demo roles, plus the slow test tools for support (admin has everything)."""
    return {**roles, "support": [*roles["support"], "slow_*"]}


def job_secrets(mail: MailServer) -> MemorySecretStore:
    return MemorySecretStore({"mail.password": mail.password,
                              "webhook.signing_key": WEBHOOK_KEY.decode()})


@pytest.fixture(scope="module")
def job_gateway(sqlite_bank: SqliteBankDb, soap: SoapEmulator, mail: MailServer,
                roles: dict[str, list[str]]) -> Iterator[ServedApp]:
    with serve_gateway(job_systems(sqlite_bank, soap, mail), job_roles(roles),
                       secrets=job_secrets(mail), tools=[*load_tools(), *SLOW_TOOLS]) as served:
        yield served


def wait_job(client: httpx.Client, job_id: str,
             until: Callable[[dict[str, Any]], bool] = lambda j: j["state"] in FINAL_STATES,
             timeout_s: float = 60.0) -> dict[str, Any]:
    """Poll GET /jobs/{id} until `until` holds (the deadline only stops a hung test)."""
    deadline = time.monotonic() + timeout_s
    while True:
        response = client.get(f"/jobs/{job_id}")
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        if until(job):
            return job
        assert time.monotonic() < deadline, f"job never got there: {job}"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A throwaway redis-server on a free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "redis did not start"
                time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
