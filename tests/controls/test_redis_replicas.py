"""Three real gateway processes sharing one Redis enforce one limit in total, not three."""

from __future__ import annotations

import itertools
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulators.bankdb import BankDatabase
from gateway.settings import key_hash

MAINBRIDGE = str(Path(sys.executable).with_name("mainbridge"))
KEY = "replica-test-key-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited: {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} not up")


@pytest.fixture
def replicas(tmp_path: Path, sqlite_bank: BankDatabase, redis_url: str) -> Iterator[list[str]]:
    config = tmp_path / "gateway.toml"
    config.write_text(f"""
[systems.bankdb]
bridge = "odbc"
driver = "SQLite3"
database = "{sqlite_bank.connection()['database']}"
options = {{ NoCreat = "1" }}

[agents.sales]
key_sha256 = "{key_hash(KEY)}"
roles = ["sales"]

[roles]
sales = ["list_products", "get_product_price"]

[controls]
redis_url = "{redis_url}"

[[controls.limits]]
agent = "sales"
tool = "get_product_price"
rate = "9/minute"
burst = 9
""")
    procs, urls = [], []
    for _ in range(3):
        port = free_port()
        procs.append(subprocess.Popen([MAINBRIDGE, "serve", "--config", str(config), "--port",
                                       str(port)], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, proc in zip(urls, procs, strict=True):
            wait_http(f"{url}/healthz", proc)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.mark.slow
def test_three_processes_share_one_limit_and_one_cache(replicas: list[str]) -> None:
    headers = {"Authorization": f"Bearer {KEY}"}
    clients = [httpx.Client(base_url=u, headers=headers, timeout=30) for u in replicas]
    statuses = []
    for client in itertools.islice(itertools.cycle(clients), 30):
        statuses.append(client.post("/tools/get_product_price",
                                    json={"product_code": "LN-PERS"}).status_code)
    allowed = statuses.count(200)
    assert set(statuses) == {200, 429}
    # One limit of 9 (plus at most one refill during the burst), not 3 x 9.
    assert 9 <= allowed <= 10, statuses
    first = clients[0].post("/tools/list_products", json={"category": "loan"}).json()
    other = clients[2].post("/tools/list_products", json={"category": "loan"}).json()
    assert first["source"]["cached"] is False
    assert other["source"]["cached"] is True  # the cache is shared through Redis too
    for client in clients:
        client.close()


async def test_breaker_state_is_shared_through_redis(redis_url: str) -> None:
    """Two gateways' breakers over one Redis: what opens for one is open for the other."""
    from bridges.errors import ConnectError
    from gateway.breaker import BreakerConfig, CircuitOpen
    from gateway.controls import Controls, ControlSettings

    settings = ControlSettings(redis_url=redis_url, breaker=BreakerConfig(
        window=2, min_calls=2, failure_rate=0.5, open_s=30))
    first, second = Controls(settings), Controls(settings)

    async def failing(budget: float) -> None:
        raise ConnectError("down", system="corebanking")

    for _ in range(2):
        with pytest.raises(ConnectError):
            await first.guarded("corebanking", failing, 1.0, time.monotonic() + 5)
    with pytest.raises(CircuitOpen):
        await second.guarded("corebanking", failing, 1.0, time.monotonic() + 5)
    await first.close()
    await second.close()
