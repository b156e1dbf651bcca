"""What an SFTP bridge is asked and answers: requests, replies, remote-name rules, typed calls.

Remote names are untrusted input: only one path component of a safe alphabet, never `..`,
never absolute, never NUL. The typed calls work with any bridge speaking these requests (the
SFTP bridge, a replay, a fake) and check the reply's type.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridges.base import Bridge
from bridges.errors import ConfigError, ProtocolError

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")


def check_name(name: str) -> str:
    """A remote file name we will touch: one path component, no traversal, no NUL."""
    if not NAME_PATTERN.match(name) or ".." in name:
        raise ProtocolError(f"unsafe remote file name {name!r}")
    return name


def check_folder(folder: str) -> str:
    """A relative remote folder: components checked like names; no absolute path."""
    if folder.startswith("/") or "\x00" in folder or "\\" in folder:
        raise ConfigError(f"remote folder {folder!r} must be relative")
    parts = [p for p in folder.split("/") if p]
    for part in parts:
        if not NAME_PATTERN.match(part) or ".." in part:
            raise ConfigError(f"unsafe remote folder {folder!r}")
    return "/".join(parts)


@dataclass(frozen=True)
class RemoteFile:
    folder: str
    name: str
    size: int
    mtime: int

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.name}" if self.folder else self.name


@dataclass(frozen=True)
class ListFolder:
    folder: str


@dataclass(frozen=True)
class Download:
    """Fetch `folder/name` into `local` (resuming a `.part` left by an earlier attempt)."""

    folder: str
    name: str
    local: Path
    expected_size: int | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class ReadFile:
    folder: str
    name: str
    max_bytes: int = 64 << 20


@dataclass(frozen=True)
class Upload:
    """Write `data` as `folder/name`: to a temporary name first, then renamed."""

    folder: str
    name: str
    data: bytes


@dataclass(frozen=True)
class Transferred:
    path: str
    size: int
    sha256: str
    resumed_from: int = 0


Request = ListFolder | Download | ReadFile | Upload
Reply = list[RemoteFile] | Transferred | bytes


# -- typed calls over `exchange`: they work with any bridge speaking these requests (the SFTP
# bridge, a replay or a fake), and check what comes back.
def _reply(reply: object, kind: type[Any], request: object) -> Any:
    if not isinstance(reply, kind):
        raise ProtocolError(f"{type(request).__name__}: expected {kind.__name__}, got "
                            f"{type(reply).__name__}")
    return reply


async def list_folder(bridge: Bridge[Any, Any], folder: str) -> list[RemoteFile]:
    request = ListFolder(folder)
    files: list[RemoteFile] = _reply(await bridge.exchange(request), list, request)
    return files


async def read_file(bridge: Bridge[Any, Any], folder: str, name: str,
                    max_bytes: int = 64 << 20) -> bytes:
    request = ReadFile(folder, name, max_bytes)
    data: bytes = _reply(await bridge.exchange(request), bytes, request)
    return data


async def download(bridge: Bridge[Any, Any], request: Download) -> Transferred:
    done: Transferred = _reply(await bridge.exchange(request), Transferred, request)
    return done


async def upload(bridge: Bridge[Any, Any], folder: str, name: str, data: bytes) -> Transferred:
    request = Upload(folder, name, data)
    done: Transferred = _reply(await bridge.exchange(request), Transferred, request)
    return done


# -- cassettes: requests and replies as JSON (file bytes as base64 with their sha256) ---------
def request_json(request: Request) -> dict[str, Any]:
    """What a recorded request is matched by. An upload by where it goes and its size, not its
    bytes: a file written now carries the time it was made (a header's creation stamp), and a
    replay one second later must still find it."""
    if isinstance(request, ListFolder):
        return {"op": "list", "folder": request.folder}
    if isinstance(request, ReadFile):
        return {"op": "read", "folder": request.folder, "name": request.name}
    if isinstance(request, Download):
        return {"op": "download", "folder": request.folder, "name": request.name}
    return {"op": "upload", "folder": request.folder, "name": request.name,
            "size": len(request.data)}


def reply_json(reply: Reply, request: Request) -> Any:
    if isinstance(reply, list):
        return [{"folder": f.folder, "name": f.name, "size": f.size, "mtime": f.mtime}
                for f in reply]
    if isinstance(reply, bytes):
        return {"base64": base64.b64encode(reply).decode(), "sha256":
                hashlib.sha256(reply).hexdigest()}
    recorded: dict[str, Any] = {"path": reply.path, "size": reply.size, "sha256": reply.sha256}
    if isinstance(request, Download):
        recorded["base64"] = base64.b64encode(request.local.read_bytes()).decode()
    return recorded


def replayed(data: Any, request: Request) -> Reply:
    """A recorded reply as the live bridge would give it (a download writes its file)."""
    if isinstance(request, ListFolder):
        return [RemoteFile(f["folder"], f["name"], f["size"], f["mtime"]) for f in data]
    if isinstance(request, ReadFile):
        return base64.b64decode(data["base64"])
    if isinstance(request, Download):
        request.local.write_bytes(base64.b64decode(data["base64"]))
    return Transferred(data["path"], data["size"], data["sha256"])
