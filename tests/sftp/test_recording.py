"""SFTP cassettes: record listings and file bytes from the emulator, replay with no server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bridges.recording import ReplayMiss
from bridges.secrets import MemorySecretStore
from bridges.sftp import Download, SftpBridge, list_folder, read_file
from emulators.sftp import SftpEmulator
from emulators.sftp.settlement import PARTNERS, file_name
from tests.sftp.conftest import secrets_for, settings_for
from tests.support.servers import serve_gateway


async def test_record_then_replay_without_a_server(emulator: SftpEmulator, tmp_path: Path,
                                                   roles: dict[str, list[str]]) -> None:
    cassette, gateway_cassette = tmp_path / "bridge.json", tmp_path / "gateway.json"
    recorder = SftpBridge.from_config("settlements", settings_for(
        emulator, mode="record", cassette=str(cassette)), secrets_for(emulator))
    day = emulator.published[0]
    with serve_gateway({"settlements": {"bridge": "sftp", **settings_for(
            emulator, mode="record", cassette=str(gateway_cassette))}}, roles,
            secrets=secrets_for(emulator)) as served, served.client("compliance") as client:
        live = client.post("/tools/get_batch_transactions", json={"date": day.isoformat()})
    assert live.status_code == 200
    name = file_name(PARTNERS[0], day)
    listing = await list_folder(recorder, "clearing/outbox")
    data = await read_file(recorder, "clearing/outbox", name)
    await recorder.exchange(Download("clearing/outbox", name, tmp_path / "x.dat"))
    await recorder.close()
    recorded = json.loads(cassette.read_text())
    assert recorded["format"] == "mainbridge-cassette/1" and recorded["protocol"] == "sftp"
    assert "BEGIN" not in cassette.read_text()  # no key material, ever
    emulator.server.stop()

    replay_settings = {**settings_for(emulator, mode="replay", cassette=str(cassette))}
    player = SftpBridge.from_config("settlements", replay_settings, MemorySecretStore())
    assert await list_folder(player, "clearing/outbox") == listing
    assert await read_file(player, "clearing/outbox", name) == data
    await player.exchange(Download("clearing/outbox", name, tmp_path / "y.dat"))
    assert (tmp_path / "y.dat").read_bytes() == data
    with pytest.raises(ReplayMiss):
        await list_folder(player, "cardnet/inbox")
    await player.close()
    assert json.loads(gateway_cassette.read_text())["interactions"]
    with serve_gateway({"settlements": {"bridge": "sftp", **replay_settings,
                                        "cassette": str(gateway_cassette)}}, roles,
                       secrets=MemorySecretStore()) as served, \
            served.client("compliance") as client:
        replayed = client.post("/tools/get_batch_transactions", json={"date": day.isoformat()})
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["data"] == live.json()["data"]
