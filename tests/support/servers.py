"""Real servers for tests: the gateway under uvicorn on a free loopback port, in a thread."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any

import httpx
import uvicorn

from adapters.kit import Tool
from bridges.secrets import SecretStore
from gateway.app import create_app
from gateway.runtime import Runtime
from gateway.settings import AgentConfig, Settings, key_hash

# Agents of the test gateway: not the demo keys, which non-demo settings refuse.
TEST_KEYS = {role: f"test-{role}-key-0123456789" for role in
             ("support", "sales", "compliance", "admin", "nobody")}


def test_agents() -> dict[str, AgentConfig]:
    return {role: AgentConfig(key_sha256=key_hash(key), roles=[role] if role != "nobody" else [])
            for role, key in TEST_KEYS.items()}


class ServedApp:
    """uvicorn serving one app on 127.0.0.1:<free port>; stopped on exit."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        # Open event streams must not hold a test's server open: cut them after 3 s.
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                                    timeout_graceful_shutdown=3))
        self.server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)

    def __enter__(self) -> ServedApp:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.sock.close()

    def client(self, role: str | None = "admin", **headers: str) -> httpx.Client:
        if role is not None:
            headers.setdefault("Authorization", f"Bearer {TEST_KEYS[role]}")
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def serve_gateway(systems: dict[str, dict[str, Any]], roles: dict[str, list[str]],
                  secrets: SecretStore | None = None, tools: list[type[Tool[Any]]] | None = None,
                  **settings: Any) -> ServedApp:
    """A real gateway over the given systems, with the test agents.

    Change feeds poll only when a test asks (`events_poll_s=...`): background polls would
    otherwise race with the faults other tests inject into the same emulator.
    """
    settings.setdefault("events_poll_s", 3600.0)
    settings.setdefault("webhook_hosts", ["127.0.0.1"])  # the tests' receivers
    config = Settings(systems=systems, agents=test_agents(), roles=roles, **settings)
    return ServedApp(create_app(Runtime(config, secrets, tools)))
