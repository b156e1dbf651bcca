"""The SFTP bridge over a real wire: the emulator and a real OpenSSH sshd."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import paramiko
import pytest

from bridges.errors import (
    AuthError,
    BridgeTimeout,
    ConfigError,
    ConnectError,
    NotFound,
    ProtocolError,
    RemoteFault,
)
from bridges.secrets import MemorySecretStore
from bridges.sftp import (
    Download,
    ListFolder,
    ReadFile,
    SftpBridge,
    Transferred,
    Upload,
    check_folder,
    check_name,
    fingerprint,
)
from emulators.sftp import SftpEmulator
from emulators.sftp.settlement import PARTNERS, file_name
from tests.sftp.conftest import secrets_for, settings_for

DATA = os.urandom(300_000)


async def test_list_download_upload(any_server: tuple[SftpBridge, Path], tmp_path: Path) -> None:
    bridge, root = any_server
    (root / "partner" / "outbox" / "A.DAT").write_bytes(DATA)
    (root / "partner" / "outbox" / "sub").mkdir()
    listing = await bridge.exchange(ListFolder("partner/outbox"))
    assert [(f.name, f.size) for f in listing] == [("A.DAT", len(DATA))]  # no folders
    local = tmp_path / "a.dat"
    done = await bridge.exchange(Download("partner/outbox", "A.DAT", local, len(DATA),
                                          hashlib.sha256(DATA).hexdigest()))
    assert isinstance(done, Transferred) and local.read_bytes() == DATA
    assert not local.with_name("a.dat.part").exists()
    assert await bridge.exchange(ReadFile("partner/outbox", "A.DAT")) == DATA
    await bridge.exchange(Upload("partner/inbox", "B.DAT", DATA[:1000]))
    assert (root / "partner" / "inbox" / "B.DAT").read_bytes() == DATA[:1000]
    assert [p.name for p in (root / "partner" / "inbox").iterdir()] == ["B.DAT"]
    with pytest.raises(NotFound):
        await bridge.exchange(ReadFile("partner/outbox", "NOPE.DAT"))


async def test_checksum_mismatch_is_refused(any_server: tuple[SftpBridge, Path],
                                            tmp_path: Path) -> None:
    bridge, root = any_server
    (root / "partner" / "outbox" / "A.DAT").write_bytes(DATA)
    local = tmp_path / "a.dat"
    with pytest.raises(ProtocolError, match="sha256"):
        await bridge.exchange(Download("partner/outbox", "A.DAT", local, sha256="0" * 64))
    assert not local.exists() and not local.with_name("a.dat.part").exists()
    with pytest.raises(ProtocolError, match="expected"):
        await bridge.exchange(Download("partner/outbox", "A.DAT", local, expected_size=5))


async def test_unknown_or_changed_host_key_is_refused(emulator: SftpEmulator) -> None:
    other = paramiko.ECDSAKey.generate()
    for host_key in (f"[127.0.0.1]:{emulator.port} {other.get_name()} {other.get_base64()}",
                     fingerprint(other)):
        bridge = SftpBridge.from_config("settlements", settings_for(emulator, host_key=host_key),
                                        secrets_for(emulator))
        with pytest.raises(AuthError, match="host key"):
            await bridge.exchange(ListFolder("clearing/outbox"))
        await bridge.close()
    good = SftpBridge.from_config(
        "settlements", settings_for(emulator, host_key=fingerprint(emulator.server.host_key)),
        secrets_for(emulator))
    assert await good.exchange(ListFolder("clearing/outbox"))
    await good.close()


async def test_wrong_client_key_and_closed_port(emulator: SftpEmulator) -> None:
    stranger = paramiko.ECDSAKey.generate()
    import io
    pem = io.StringIO()
    stranger.write_private_key(pem)
    bridge = SftpBridge.from_config("settlements", settings_for(emulator),
                                    MemorySecretStore({"settlements.private_key":
                                                       pem.getvalue()}))
    with pytest.raises(AuthError) as refused:
        await bridge.exchange(ListFolder("clearing/outbox"))
    assert "BEGIN" not in str(refused.value)
    await bridge.close()
    emulator.server.stop()
    closed = SftpBridge.from_config("settlements", settings_for(emulator), secrets_for(emulator))
    with pytest.raises(ConnectError):
        await closed.exchange(ListFolder("clearing/outbox"))
    await closed.close()


async def test_unreadable_private_key_is_a_config_error(emulator: SftpEmulator) -> None:
    bridge = SftpBridge.from_config("settlements", settings_for(emulator),
                                    MemorySecretStore({"settlements.private_key": "garbage"}))
    with pytest.raises(ConfigError, match="private key"):
        await bridge.exchange(ListFolder("clearing/outbox"))
    await bridge.close()


async def test_dropped_transfer_resumes(bridge: SftpBridge, emulator: SftpEmulator,
                                        tmp_path: Path) -> None:
    partner = PARTNERS[0]
    day = emulator.published[0]
    big = os.urandom(2_000_000)
    emulator.write(partner, day, big)
    name = file_name(partner, day)
    local = tmp_path / "settle.dat"
    emulator.faults.drop_after_bytes = 700_000
    with pytest.raises(ConnectError):
        await bridge.exchange(Download("clearing/outbox", name, local, len(big)))
    assert emulator.faults.drops == 1
    partial = local.with_name("settle.dat.part").stat().st_size
    assert 0 < partial < len(big)
    done = await bridge.exchange(Download("clearing/outbox", name, local, len(big),
                                          hashlib.sha256(big).hexdigest()))
    assert isinstance(done, Transferred) and done.resumed_from == partial
    assert local.read_bytes() == big


async def test_permission_denied_and_slow_link(emulator: SftpEmulator, tmp_path: Path) -> None:
    bridge = SftpBridge.from_config("settlements", settings_for(emulator, timeout_s=0.5),
                                    secrets_for(emulator))
    emulator.faults.deny.add("cardnet/outbox")
    with pytest.raises(RemoteFault) as denied:
        await bridge.exchange(ListFolder("cardnet/outbox"))
    assert denied.value.code == "permission_denied" and not denied.value.retriable
    with pytest.raises(RemoteFault):
        await bridge.exchange(Upload("cardnet/outbox", "X.DAT", b"x"))
    name = file_name(PARTNERS[0], emulator.published[0])
    emulator.faults.bandwidth_bps = 2_000  # a 32 KiB read takes ~16 s: past the 0.5 s timeout
    with pytest.raises(BridgeTimeout):
        await bridge.exchange(Download("clearing/outbox", name, tmp_path / "slow.dat"))
    emulator.faults.bandwidth_bps = None
    await bridge.close()


def test_remote_names_are_validated() -> None:
    for bad in ("../etc/passwd", "/etc/passwd", "a/b", "a\x00b", "..", ".hidden", "", "a b",
                "x" * 300):
        with pytest.raises(ProtocolError):
            check_name(bad)
    for bad_folder in ("/abs", "a/../b", "a\\b", "a\x00"):
        with pytest.raises(ConfigError):
            check_folder(bad_folder)
    assert check_folder("clearing//outbox/") == "clearing/outbox"
    assert check_name("STL_CLEARING_20261130.DAT") == "STL_CLEARING_20261130.DAT"


async def test_listing_hides_unsafe_names(bridge: SftpBridge, emulator: SftpEmulator) -> None:
    outbox = emulator.root / "clearing" / "outbox"
    (outbox / "evil name;rm -rf").write_bytes(b"x")
    (outbox / "..sneaky").write_bytes(b"x")
    names = {f.name for f in await bridge.exchange(ListFolder("clearing/outbox"))}
    assert "evil name;rm -rf" not in names and "..sneaky" not in names
    assert file_name(PARTNERS[0], emulator.published[0]) in names
    with pytest.raises(ProtocolError):
        await bridge.exchange(ReadFile("clearing/outbox", "../../etc/passwd"))


async def test_cipher_settings(emulator: SftpEmulator) -> None:
    bad = SftpBridge.from_config("settlements", settings_for(emulator, ciphers=["rot13"]),
                                 secrets_for(emulator))
    with pytest.raises(ConfigError, match="cipher"):
        await bad.exchange(ListFolder("clearing/outbox"))
    await bad.close()
    ctr = SftpBridge.from_config("settlements", settings_for(emulator, ciphers=["aes256-ctr"]),
                                 secrets_for(emulator))
    assert await ctr.exchange(ListFolder("clearing/outbox"))
    await ctr.close()
