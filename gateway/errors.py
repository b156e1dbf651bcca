"""Gateway errors and the one mapping from every error to an HTTP status and body.

Body: {"error": {"type", "message", "retriable", ...}}. Bridge errors keep their own type
names (`not_found`, `bridge_timeout`, ...); gateway errors add the caller's mistakes.
"""

from __future__ import annotations

import math
from typing import Any

from bridges.errors import (
    AuthError,
    BridgeError,
    BridgeTimeout,
    ConfigError,
    ConnectError,
    MappingError,
    NotFound,
    ProtocolError,
)

RETRY_AFTER_S = 5


class GatewayError(Exception):
    status = 400
    type_name = "bad_request"
    retriable = False

    def __init__(self, message: str, retry_after_s: float | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after_s = retry_after_s
        self.extra = extra


class Unauthenticated(GatewayError):
    status, type_name = 401, "unauthenticated"


class Forbidden(GatewayError):
    status, type_name = 403, "forbidden"


class UnknownTool(GatewayError):
    status, type_name = 404, "unknown_tool"


class InvalidArguments(GatewayError):
    status, type_name = 422, "invalid_arguments"


class RateLimited(GatewayError):
    status, type_name, retriable = 429, "rate_limited", True


class Overloaded(GatewayError):
    """Backpressure: the backend's bulkhead is full; come back later."""

    status, type_name, retriable = 503, "overloaded", True


# Most specific first: AuthError is a ConnectError, RemoteFault a ProtocolError.
_BRIDGE_STATUS: list[tuple[type[BridgeError], int]] = [
    (NotFound, 404),
    (AuthError, 502),
    (ConnectError, 503),
    (BridgeTimeout, 504),
    (MappingError, 502),
    (ProtocolError, 502),
    (ConfigError, 500),
]


def bridge_status(exc: BridgeError) -> int:
    return next((status for cls, status in _BRIDGE_STATUS if isinstance(exc, cls)), 500)


def error_response(exc: Exception) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, body, headers) for any error that reaches the edge."""
    headers: dict[str, str] = {}
    if isinstance(exc, GatewayError):
        body = {"type": exc.type_name, "message": exc.message, "retriable": exc.retriable,
                **exc.extra}
        status = exc.status
    elif isinstance(exc, BridgeError):
        # A failed part of a composite keeps the status and type its own call had.
        status = getattr(exc, "status", None) or bridge_status(exc)
        kind = getattr(exc, "failed_type", None) or exc.type_name
        body = {"type": kind, "message": exc.message, "retriable": exc.retriable}
        if exc.system:
            body["system"] = exc.system
        code = getattr(exc, "code", None)
        if code:
            body["code"] = code
    else:
        status = 500
        body = {"type": "internal_error", "message": "internal error; see the gateway log",
                "retriable": False}
    if status in (429, 503):
        wait = getattr(exc, "retry_after_s", None) or RETRY_AFTER_S
        headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return status, {"error": body}, headers
