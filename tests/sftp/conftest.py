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
