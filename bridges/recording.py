"""Cassettes: a bridge's wire exchanges recorded as JSON, secrets redacted, replayable.

Every protocol records into the same format, so QA tools read all of them alike:

    {"format": "mainbridge-cassette/1", "protocol": "soap", "system": "crm",
     "interactions": [{"request": <JSON>, "reply": <JSON>}, ...]}

A bridge decides what its request and reply look like as JSON (an envelope, a screen, a SQL
statement and its rows). Replay matches requests by equality, in recorded order when the same
request was made several times.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

from bridges.errors import ConfigError

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

    def record(self, request: JSON, reply: JSON, redactor: Redactor | None = None) -> None:
        redact = redactor or Redactor()
        self.interactions.append({"request": redact(request), "reply": redact(reply)})

    def replay(self, request: JSON) -> JSON:
        """The reply recorded for an equal request; repeated requests replay in order."""
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
        return {"format": FORMAT, "protocol": self.protocol, "system": self.system,
                "interactions": self.interactions}

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
