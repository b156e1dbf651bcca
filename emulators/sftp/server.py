"""An SFTP server (paramiko server side) over a folder tree, with fault injection.

Key authentication only, a fixed host key, one folder per partner (outbox: files the partner
sends the bank; inbox: files the bank sends the partner). Paths are confined to the root.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paramiko
from paramiko.sftp import SFTP_FAILURE, SFTP_NO_SUCH_FILE, SFTP_OK, SFTP_PERMISSION_DENIED


@dataclass
class Faults:
    """Switches tests flip at run time."""

    drop_after_bytes: int | None = None  # one-shot: the next read past this offset drops
    bandwidth_bps: int | None = None  # reads are paced to about this many bytes/s
    deny: set[str] = field(default_factory=set)  # root-relative paths answered "permission denied"
    latency_s: float = 0.0  # every path operation (list, stat, open, rename...) answers this late
    drops: int = 0  # how many connections a fault dropped


class _Handle(paramiko.SFTPHandle):
    def __init__(self, server: _Sftp, relpath: str, flags: int) -> None:
        super().__init__(flags)
        self.server = server
        self.relpath = relpath

    def read(self, offset: int, length: int) -> bytes | int:
        faults = self.server.faults
        if faults.bandwidth_bps:
            time.sleep(length / faults.bandwidth_bps)
        limit = faults.drop_after_bytes
        if limit is not None and offset + length > limit:
            faults.drop_after_bytes = None
            faults.drops += 1
            self.server.drop()
            return SFTP_FAILURE
        result: bytes | int = super().read(offset, length)
        return result


class _Sftp(paramiko.SFTPServerInterface):
    def __init__(self, server: paramiko.ServerInterface, *args: Any, emulator: SftpServer,
                 **kwargs: Any) -> None:
        super().__init__(server, *args, **kwargs)
        self.emulator = emulator
        self.faults = emulator.faults
        self.channel_server = server

    def drop(self) -> None:
        sock = getattr(self.channel_server, "sock", None)
        if sock is not None:
            # FIN after what was already sent (a reset would also discard that data)
            sock.shutdown(socket.SHUT_WR)

    def _local(self, path: str) -> tuple[Path, str] | int:
        if self.faults.latency_s:
            time.sleep(self.faults.latency_s)
        root = self.emulator.root
        relative = os.path.normpath("/" + path).lstrip("/")
        local = (root / relative).resolve()
        if local != root and root not in local.parents:
            return SFTP_PERMISSION_DENIED
        if any(relative == d or relative.startswith(d.rstrip("/") + "/")
               for d in self.faults.deny):
            return SFTP_PERMISSION_DENIED
        return local, relative

    def canonicalize(self, path: str) -> str:
        return "/" + os.path.normpath("/" + path).lstrip("/")

    def list_folder(self, path: str) -> list[paramiko.SFTPAttributes] | int:
        target = self._local(path)
        if isinstance(target, int):
            return target
        try:
            return [paramiko.SFTPAttributes.from_stat(os.stat(entry.path), entry.name)
                    for entry in os.scandir(target[0])]
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)

    def stat(self, path: str) -> paramiko.SFTPAttributes | int:
        target = self._local(path)
        if isinstance(target, int):
            return target
        try:
            return paramiko.SFTPAttributes.from_stat(os.stat(target[0]))
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)

    lstat = stat

    def open(self, path: str, flags: int, attr: paramiko.SFTPAttributes) -> _Handle | int:
        target = self._local(path)
        if isinstance(target, int):
            return target
        local, relative = target
        binary = getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(local, flags | binary, 0o640)
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)
        writing = flags & (os.O_WRONLY | os.O_RDWR)
        mode = ("ab" if flags & os.O_APPEND else "r+b" if flags & os.O_RDWR else "wb") \
            if writing else "rb"
        handle = _Handle(self, relative, flags)
        fobj = os.fdopen(fd, mode)
        handle.readfile = fobj
        if writing:
            handle.writefile = fobj
        return handle

    def remove(self, path: str) -> int:
        return self._apply(path, os.remove)

    def mkdir(self, path: str, attr: paramiko.SFTPAttributes) -> int:
        return self._apply(path, os.mkdir)

    def rmdir(self, path: str) -> int:
        return self._apply(path, os.rmdir)

    def rename(self, oldpath: str, newpath: str) -> int:
        target = self._local(newpath)
        if not isinstance(target, int) and target[0].exists():
            return SFTP_FAILURE  # SSH_FXP_RENAME never overwrites
        return self.posix_rename(oldpath, newpath)

    def posix_rename(self, oldpath: str, newpath: str) -> int:
        old, new = self._local(oldpath), self._local(newpath)
        if isinstance(old, int):
            return old
        if isinstance(new, int):
            return new
        try:
            os.replace(old[0], new[0])
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)
        return SFTP_OK

    def _apply(self, path: str, action: Any) -> int:
        target = self._local(path)
        if isinstance(target, int):
            return target
        try:
            action(target[0])
        except FileNotFoundError:
            return SFTP_NO_SUCH_FILE
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)
        return SFTP_OK


class _Auth(paramiko.ServerInterface):
    def __init__(self, emulator: SftpServer, sock: socket.socket) -> None:
        self.emulator = emulator
        self.sock = sock

    def get_allowed_auths(self, username: str) -> str:
        return "publickey"

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        if username == self.emulator.username and any(
                key.get_name() == k.get_name() and key.asbytes() == k.asbytes()
                for k in self.emulator.authorized_keys):
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED


class SftpServer:
    """Serves `root` over SFTP on 127.0.0.1:<port> (0: a free one) until stopped."""

    def __init__(self, root: Path, host_key: paramiko.PKey, username: str,
                 authorized_keys: list[paramiko.PKey], port: int = 0) -> None:
        self.root = root.resolve()
        self.host_key = host_key
        self.username = username
        self.authorized_keys = list(authorized_keys)
        self.faults = Faults()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", port))
        self.port: int = self._listener.getsockname()[1]
        self._transports: list[paramiko.Transport] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name="sftp-emulator", daemon=True)

    def start(self) -> None:
        self._listener.listen(64)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handshake, args=(sock,), daemon=True).start()

    def _handshake(self, sock: socket.socket) -> None:
        """One connection; in its own thread so a stalled client cannot block the others."""
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport = paramiko.Transport(sock)
        transport.add_server_key(self.host_key)
        transport.set_subsystem_handler("sftp", paramiko.SFTPServer, _Sftp, emulator=self)
        with self._lock:
            self._transports = [t for t in self._transports if t.is_active()] + [transport]
        try:
            transport.start_server(server=_Auth(self, sock))
        except (paramiko.SSHException, OSError, EOFError):
            transport.close()

    def stop(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self._listener.close()
        with self._lock:
            transports = list(self._transports)
        for transport in transports:
            transport.close()
        self._thread.join(timeout=5)
