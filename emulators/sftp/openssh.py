"""A throwaway real OpenSSH sshd on loopback serving one folder over SFTP (tests, benchmarks).

Own config, host key, pid file and authorized_keys in a private folder; key auth only;
`internal-sftp` starting in the served folder. The independent peer for the SFTP bridge.
"""

from __future__ import annotations

import getpass
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import paramiko

SSHD = "/usr/sbin/sshd"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class OpenSshServer:
    def __init__(self, root: Path, client_key: paramiko.PKey) -> None:
        self.root = root.resolve()
        self.client_key = client_key
        self.username = getpass.getuser()
        self.host_key = paramiko.ECDSAKey.generate()
        self.port = _free_port()
        self._dir = tempfile.TemporaryDirectory(prefix="mainbridge-sshd-")
        self._process: subprocess.Popen[bytes] | None = None

    def known_hosts_line(self) -> str:
        return f"[127.0.0.1]:{self.port} {self.host_key.get_name()} {self.host_key.get_base64()}"

    def _configure(self) -> Path:
        d = Path(self._dir.name)
        self.host_key.write_private_key_file(str(d / "host_key"))
        (d / "authorized_keys").write_text(
            f"{self.client_key.get_name()} {self.client_key.get_base64()}\n")
        config = d / "sshd_config"
        config.write_text("\n".join([
            f"Port {self.port}", "ListenAddress 127.0.0.1", f"HostKey {d / 'host_key'}",
            f"PidFile {d / 'sshd.pid'}", f"AuthorizedKeysFile {d / 'authorized_keys'}",
            "UsePAM no", "StrictModes no", "PasswordAuthentication no",
            "KbdInteractiveAuthentication no", "PubkeyAuthentication yes",
            "PermitRootLogin prohibit-password", f"AllowUsers {self.username}",
            "Subsystem sftp internal-sftp", f"ForceCommand internal-sftp -d {self.root}",
            "LogLevel ERROR", ""]))
        return config

    def __enter__(self) -> OpenSshServer:
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)  # privilege separation dir
        config = self._configure()
        self._process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)],
                                         stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    error = self._process.stderr.read() if self._process.stderr else b""
                    self.__exit__(None, None, None)
                    raise RuntimeError("sshd did not start: " + error.decode(errors="replace")) \
                        from None
                time.sleep(0.02)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stderr:
                self._process.stderr.close()
        self._dir.cleanup()
