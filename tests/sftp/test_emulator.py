"""The SFTP emulator itself: files appear over time, whole; paths stay inside its root."""

from __future__ import annotations

import time
from pathlib import Path

import paramiko
import pytest

from emulators.sftp import SftpEmulator
from emulators.sftp.settlement import PARTNERS, file_name


def test_new_days_appear_over_time_and_whole(tmp_path: Path,
                                             client_key: paramiko.ECDSAKey) -> None:
    with SftpEmulator(tmp_path, client_key, initial_days=1, pending_days=2,
                      publish_every_s=0.05) as emu:
        deadline = time.monotonic() + 60
        while len(emu.published) < 3:
            assert time.monotonic() < deadline, "the publisher never caught up"
            time.sleep(0.02)
        assert emu.publish_next() is None  # the window is exhausted
        for partner in PARTNERS:
            names = sorted(p.name for p in (tmp_path / partner.name / "outbox").iterdir())
            assert names == sorted([file_name(partner, d) for d in emu.published]
                                   + [file_name(partner, d) + ".sha256" for d in emu.published])


def test_clients_cannot_leave_the_root(emulator: SftpEmulator,
                                       client_key: paramiko.ECDSAKey) -> None:
    transport = paramiko.Transport(("127.0.0.1", emulator.port))
    try:
        transport.connect(username="mainbridge", pkey=client_key)
        sftp = paramiko.SFTPClient.from_transport(transport)
        assert sftp is not None
        assert sorted(sftp.listdir("/../../..")) == ["cardnet", "clearing"]
        with pytest.raises(FileNotFoundError):
            sftp.stat("../../../etc/passwd")
        link = emulator.root / "clearing" / "escape"
        link.symlink_to("/etc")
        with pytest.raises(PermissionError):
            sftp.listdir("clearing/escape")
    finally:
        transport.close()


def test_only_the_bank_key_gets_in(emulator: SftpEmulator) -> None:
    transport = paramiko.Transport(("127.0.0.1", emulator.port))
    try:
        with pytest.raises(paramiko.AuthenticationException):
            transport.connect(username="mainbridge", pkey=paramiko.ECDSAKey.generate())
    finally:
        transport.close()
