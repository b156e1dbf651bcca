"""The typed error tree every bridge raises, grouped by what the caller should do.

    BridgeError                      base; never raised itself
    ├── ConfigError                  our own configuration is wrong (fix the config)
    ├── ConnectError        retry    the legacy system cannot be reached
    │   └── AuthError                reached, but our credentials were refused
    ├── BridgeTimeout       retry    no answer within the time allowed
    ├── ProtocolError       retry    the reply is garbage: not the protocol we speak
    │   └── RemoteFault              a well-formed "no": SOAP fault, SQL error, error screen
    ├── NotFound                     the business object does not exist
    └── MappingError                 the reply is well-formed but does not fit the model

`retriable` says whether the same call may succeed if simply repeated; the gateway uses it for
retries and circuit breakers and reports it to agents. Each protocol module translates its
library's exceptions into this tree in exactly one place, its `map_<lib>_errors()`.
Messages never contain credentials.
"""

from __future__ import annotations

from typing import Any


class BridgeError(Exception):
    """Base of every error a bridge raises."""

    retriable: bool = False

    def __init__(self, message: str, *, system: str | None = None,
                 detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.system = system
        self.detail: dict[str, Any] = detail or {}

    @property
    def type_name(self) -> str:
        """snake_case class name: the `type` agents see in an error body."""
        name = type(self).__name__
        return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


class ConfigError(BridgeError):
    """Our configuration is wrong: a missing secret, a malformed setting."""


class ConnectError(BridgeError):
    """The legacy system cannot be reached (refused, reset, DNS, down)."""

    retriable = True


class AuthError(ConnectError):
    """The legacy system refused our credentials; repeating will not help."""

    retriable = False


class BridgeTimeout(BridgeError):
    """No answer within the time allowed; the work may or may not have happened."""

    retriable = True


class ProtocolError(BridgeError):
    """The reply is not what the protocol promises (garbage, truncated, wrong framing)."""

    retriable = True


class RemoteFault(ProtocolError):
    """The legacy system understood us and said no. `code` is its own error code."""

    retriable = False

    def __init__(self, message: str, *, code: str | None = None, system: str | None = None,
                 detail: dict[str, Any] | None = None) -> None:
        super().__init__(message, system=system, detail=detail)
        self.code = code


class NotFound(BridgeError):
    """The business object asked for does not exist in the legacy system."""


class MappingError(BridgeError):
    """The reply does not fit the canonical model: never guess, fail loudly."""
