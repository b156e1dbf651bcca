"""Cassettes: a bridge's wire exchanges recorded as JSON, secrets redacted, replayable.

Every protocol records into the same format, so QA tools read all of them alike:

    {"format": "mainbridge-cassette/1", "protocol": "soap", "system": "crm",
     "interactions": [{"request": <JSON>, "reply": <JSON>}, ...]}

A bridge decides what its request and reply look like as JSON (an envelope, a screen, a SQL
statement and its rows). Replay matches requests by equality, in recorded order when the same
request was made several times. A `BridgeError` raised live may be recorded as the reply
(`error_json`) and is raised again on replay (`raise_recorded`).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections import defaultdict, deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from bridges.errors import BridgeError, ConfigError, RemoteFault

FORMAT = "mainbridge-cassette/1"
REDACTED = "***"
SECRET_KEYS = frozenset({"password", "passwd", "pwd", "secret", "token", "api_key",
                         "authorization", "cookie", "set-cookie"})
JSON = Any


class ReplayMiss(ConfigError):
    """Replay was asked for a request the cassette does not hold."""


class Redactor:
    """Masks known secret values anywhere in a JSON value, and values under secret-ish keys."""

    def __init__(self, secrets: list[str] | tuple[str, ...] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self.secrets:
            value = value.replace(secret, REDACTED)
        return value

    def __call__(self, value: JSON) -> JSON:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, dict):
            return {k: REDACTED if k.lower() in SECRET_KEYS and v not in (None, "")
                    else self(v) for k, v in value.items()}
        return value


def _key(request: JSON) -> str:
    return json.dumps(request, sort_keys=True, ensure_ascii=False, default=str)


class Cassette:
    def __init__(self, protocol: str, system: str,
                 interactions: list[dict[str, JSON]] | None = None) -> None:
        self.protocol = protocol
        self.system = system
        self.interactions: list[dict[str, JSON]] = interactions or []
        self._replay: dict[str, deque[JSON]] | None = None
        self._lock = threading.Lock()  # bridges record and replay from their worker threads

    def record(self, request: JSON, reply: JSON, redactor: Redactor | None = None) -> None:
        redact = redactor or Redactor()
        item = {"request": redact(request), "reply": redact(reply)}
        with self._lock:
            self.interactions.append(item)

    def replay(self, request: JSON) -> JSON:
        """The reply recorded for an equal request; repeated requests replay in order."""
        with self._lock:
            if self._replay is None:
                self._replay = defaultdict(deque)
                for item in self.interactions:
                    self._replay[_key(item["request"])].append(item["reply"])
            queue = self._replay.get(_key(request))
            if not queue:
                raise ReplayMiss(f"cassette for {self.system} has no (more) replies for this "
                                 f"{self.protocol} request", system=self.system)
            return queue.popleft() if len(queue) > 1 else queue[0]

    def to_json(self) -> dict[str, JSON]:
        with self._lock:
            interactions = list(self.interactions)
        return {"format": FORMAT, "protocol": self.protocol, "system": self.system,
                "interactions": interactions}

    def save(self, path: Path) -> None:
        """Write atomically: a temporary file in the same folder, then rename."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.to_json(), fh, ensure_ascii=False, indent=1, default=str)
                fh.write("\n")
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> Cassette:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read cassette {path}: {exc}") from None
        if data.get("format") != FORMAT:
            raise ConfigError(f"{path} is not a {FORMAT} cassette")
        return cls(data["protocol"], data["system"], data["interactions"])


class CassetteSettings(BaseModel):
    """The record/replay settings of a bridge that uses this cassette format."""

    mode: Literal["live", "record", "replay"] = "live"
    cassette: str | None = Field(default=None, description="Cassette file to record/replay")

    @staticmethod
    def switch(mode: Literal["record", "replay"], path: Path) -> dict[str, Any]:
        """The settings that make such a bridge record into, or replay from, `path`."""
        return {"mode": mode, "cassette": str(path)}


class Recorder:
    """A bridge's cassette while recording (saved by `save`, on close) or replaying."""

    def __init__(self, protocol: str, system: str, mode: Literal["record", "replay"],
                 path: Path) -> None:
        self.path = path
        self.replaying = mode == "replay"
        self.cassette = Cassette.load(path) if self.replaying else Cassette(protocol, system)

    @classmethod
    def from_settings(cls, protocol: str, system: str, settings: CassetteSettings) -> (
        Recorder | None
    ):
        """None in live mode; a cassette is required otherwise."""
        if settings.mode == "live":
            return None
        if not settings.cassette:
            raise ConfigError(f"system {system!r}: mode {settings.mode} needs a cassette",
                              system=system)
        return cls(protocol, system, settings.mode, Path(settings.cassette))

    def save(self) -> None:
        if not self.replaying:
            self.cassette.save(self.path)


def error_json(exc: BridgeError) -> dict[str, JSON]:
    """A live error as a recorded reply; `raise_recorded` raises the same class on replay."""
    return {"error": {"type": type(exc).__name__, "message": exc.message,
                      "code": getattr(exc, "code", None)}}


def _bridge_errors(cls: type[BridgeError]) -> Iterator[type[BridgeError]]:
    yield cls
    for sub in cls.__subclasses__():
        yield from _bridge_errors(sub)


def raise_recorded(reply: JSON, system: str) -> None:
    """Raise the error a recorded reply holds, if it holds one.

    Only the bridges' own classes (which all take a message) are candidates: a cassette names
    a class, it never chooses code to run.
    """
    if not isinstance(reply, dict) or not isinstance(reply.get("error"), dict):
        return
    error = reply["error"]
    found = next((c for c in _bridge_errors(BridgeError) if c.__name__ == error.get("type")
                  and c.__module__.startswith("bridges.")), None)
    if found is None:
        raise ConfigError(f"cassette for {system} records an unknown error type "
                          f"{error.get('type')!r}", system=system)
    message = str(error.get("message", ""))
    if issubclass(found, RemoteFault):
        raise found(message, code=error.get("code"), system=system)
    raise found(message, system=system)
