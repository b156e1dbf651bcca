"""SFTP fixtures: the partners' emulator on loopback, a bridge to it, a gateway over it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import paramiko
import pytest

from bridges.secrets import MemorySecretStore
from bridges.sftp import SftpBridge
from emulators.sftp import SftpEmulator
from tests.support.servers import ServedApp, serve_gateway


@pytest.fixture(scope="session")
def client_key() -> paramiko.ECDSAKey:
    return paramiko.ECDSAKey.generate()


@pytest.fixture()
def emulator(tmp_path: Path, client_key: paramiko.ECDSAKey) -> Iterator[SftpEmulator]:
    with SftpEmulator(tmp_path / "sftp", client_key) as emu:
        yield emu


def secrets_for(emulator: SftpEmulator) -> MemorySecretStore:
    return MemorySecretStore({"settlements.private_key": emulator.client_key_pem()})


def settings_for(emulator: SftpEmulator, **overrides: Any) -> dict[str, Any]:
    return {**emulator.connection(), "private_key_secret": "settlements.private_key",
            "timeout_s": 10, **overrides}


@pytest.fixture()
async def bridge(emulator: SftpEmulator) -> AsyncIterator[SftpBridge]:
    b = SftpBridge.from_config("settlements", settings_for(emulator), secrets_for(emulator))
    yield b
    await b.close()


@pytest.fixture()
def gateway(emulator: SftpEmulator, roles: dict[str, list[str]]) -> Iterator[ServedApp]:
    systems = {"settlements": {"bridge": "sftp", **settings_for(emulator)}}
    with serve_gateway(systems, roles, secrets=secrets_for(emulator)) as served:
        yield served


@pytest.fixture(params=["emulator", "openssh"])
async def any_server(request: pytest.FixtureRequest, tmp_path: Path,
                     client_key: paramiko.ECDSAKey) -> AsyncIterator[tuple[SftpBridge, Path]]:
    """A bridge and the folder it serves, once over the emulator, once over real OpenSSH."""
    from emulators.sftp.openssh import OpenSshServer

    root = tmp_path / "served"
    (root / "partner" / "outbox").mkdir(parents=True)
    (root / "partner" / "inbox").mkdir(parents=True)
    secrets = MemorySecretStore({"k": _pem(client_key)})
    server: Any
    if request.param == "emulator":
        from emulators.sftp import host_key
        from emulators.sftp.server import SftpServer
        server = SftpServer(root, host_key(), "bank", [client_key])
        server.start()
        settings = {"host": "127.0.0.1", "port": server.port, "username": "bank",
                    "host_key": f"[127.0.0.1]:{server.port} {server.host_key.get_name()} "
                                f"{server.host_key.get_base64()}"}
    else:
        server = OpenSshServer(root, client_key).__enter__()
        settings = {"host": "127.0.0.1", "port": server.port, "username": server.username,
                    "host_key": server.known_hosts_line()}
    bridge = SftpBridge.from_config("partnerx", {**settings, "private_key_secret": "k",
                                                 "timeout_s": 10}, secrets)
    try:
        yield bridge, root
    finally:
        await bridge.close()
        if request.param == "emulator":
            server.stop()
        else:
            server.__exit__(None, None, None)


def _pem(key: paramiko.PKey) -> str:
    import io

    out = io.StringIO()
    key.write_private_key(out)
    return out.getvalue()
