"""SFTP emulator: the settlement partners' server, publishing nightly files over time."""

from __future__ import annotations

import hashlib
import io
import os
import threading
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any

import paramiko

from emulators.dataset import fixtures_dir
from emulators.sftp.server import Faults, SftpServer
from emulators.sftp.settlement import PARTNERS, Partner, SettlementBook, file_name

__all__ = ["PARTNERS", "Faults", "SftpEmulator"]
USERNAME = "mainbridge"


def host_key() -> paramiko.ECDSAKey:
    return paramiko.ECDSAKey.from_private_key_file(
        str(fixtures_dir() / "sftp" / "emulator_host_key"))


class SftpEmulator:
    """The partners' SFTP server over `root`, with `initial_days` of files already there.

    The window is the last `initial_days + pending_days` business days of the dataset; the
    pending ones appear one day at a time via `publish_next()` (tests) or every
    `publish_every_s` seconds (demo).
    """

    def __init__(self, root: Path, client_key: paramiko.PKey | None = None, initial_days: int = 3,
                 pending_days: int = 2, publish_every_s: float | None = None,
                 book: SettlementBook | None = None) -> None:
        self.root = root
        self.book = book or SettlementBook()
        window = self.book.days[-(initial_days + pending_days):]
        self.published: list[date] = []
        self.pending = list(window)
        self.initial_days = initial_days
        for partner in PARTNERS:
            for box in ("inbox", "outbox"):
                (root / partner.name / box).mkdir(parents=True, exist_ok=True)
        # The bank's key: given by a test, else made here (the demo hands it to the bridge).
        self.client_key = client_key or paramiko.ECDSAKey.generate()
        self.server = SftpServer(root, host_key(), USERNAME, [self.client_key])
        self.publish_every_s = publish_every_s
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None

    @property
    def faults(self) -> Faults:
        return self.server.faults

    @property
    def port(self) -> int:
        return self.server.port

    def known_hosts_line(self) -> str:
        key = self.server.host_key
        return f"[127.0.0.1]:{self.port} {key.get_name()} {key.get_base64()}"

    def client_key_pem(self) -> str:
        out = io.StringIO()
        self.client_key.write_private_key(out)
        return out.getvalue()

    def connection(self) -> dict[str, Any]:
        """Bridge settings facts (the private key comes from the secret store)."""
        return {"host": "127.0.0.1", "port": self.port, "username": USERNAME,
                "host_key": self.known_hosts_line()}

    def path(self, partner: str, box: str, name: str) -> Path:
        return self.root / partner / box / name

    def write(self, partner: Partner, day: date, data: bytes) -> Path:
        """The file and, first, its checksum sidecar; each appears whole or not at all."""
        target = self.path(partner.name, "outbox", file_name(partner, day))
        sidecar = f"{hashlib.sha256(data).hexdigest()}  {target.name}\n".encode()
        for path, content in ((target.with_name(target.name + ".sha256"), sidecar),
                              (target, data)):
            temporary = path.with_name("." + path.name + ".part")
            temporary.write_bytes(content)
            os.replace(temporary, path)
        return target

    def publish_next(self) -> date | None:
        """The next day's files for every partner; None when the window is exhausted."""
        if not self.pending:
            return None
        day = self.pending.pop(0)
        for partner in PARTNERS:
            self.write(partner, day, self.book.file(partner, day))
        self.published.append(day)
        return day

    def publish_truncated(self, partner: Partner, day: date, keep: int) -> Path:
        """Fault: a file cut short after `keep` bytes (its trailer missing)."""
        return self.write(partner, day, self.book.file(partner, day)[:keep])

    def _publisher(self) -> None:
        assert self.publish_every_s is not None
        while not self._stop.wait(self.publish_every_s) and self.publish_next() is not None:
            pass

    def __enter__(self) -> SftpEmulator:
        for _ in range(self.initial_days):
            self.publish_next()
        self.server.start()
        if self.publish_every_s:
            self._timer = threading.Thread(target=self._publisher, daemon=True,
                                           name="sftp-publisher")
            self._timer.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self.server.stop()
        if self._timer is not None:
            self._timer.join(timeout=5)
