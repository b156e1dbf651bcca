"""Wires audit, metrics and traces into a Runtime: observers, the audit tool, bridge timing.

`Observability(runtime)` is made once per app, before the runtime starts (its bridges are
opened with the others). It instruments without changing any class: each bridge instance's
`exchange` and the runtime's `call` are wrapped on the instance, so `isinstance` checks that
adapters make on bridges still hold and bridges need no telemetry dependency.
"""

from __future__ import annotations

import functools
import os
import secrets
import time
from pathlib import Path
from typing import Any

from bridges.base import Bridge
from bridges.errors import BridgeError
from bridges.secrets import SecretStore
from gateway.audit import AuditLog, AuditObserver
from gateway.audit_tool import SYSTEM as AUDIT_SYSTEM
from gateway.audit_tool import AuditBridge, GetAuditTrail
from gateway.auth import Caller
from gateway.envelope import ToolResult
from gateway.masking import Masker
from gateway.metrics import Metrics
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.tracing import Tracing

AUDIT_FILE = "audit.sqlite3"
MASK_KEY_NAME = "audit.mask_key"  # in the secret store
MASK_KEY_FILE = "audit.key"


def audit_path(settings: Settings) -> Path | None:
    return settings.state_dir / AUDIT_FILE if settings.state_dir else None


def mask_key(settings: Settings, store: SecretStore) -> bytes:
    """The masking HMAC key: a configured secret, else one kept beside the state, else random.

    It must outlive restarts for tokens to correlate across them, and it never goes in the
    log itself (whoever holds only the log cannot test guesses).
    """
    configured = store.lookup(MASK_KEY_NAME)
    if configured is not None:
        return configured.get_secret_value().encode("utf-8")
    if settings.state_dir is None:
        return secrets.token_bytes(32)
    path = settings.state_dir / MASK_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


class Observability:
    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        self.audit = AuditLog(audit_path(settings), fsync=settings.audit_fsync)
        self.metrics = Metrics()
        self.tracing = Tracing(settings.trace_exporter, settings.otlp_endpoint)
        runtime.metrics = self.metrics  # the controls report cache, breaker and rejections here
        runtime.bridges[AUDIT_SYSTEM] = AuditBridge(self.audit)
        runtime.registry.add(GetAuditTrail)
        for bridge in runtime.bridges.values():
            self.instrument(bridge)
        if self.tracing.enabled:
            self.trace_calls(runtime)
        # Audit last: if it fails the call fails, but metrics and the span still saw it.
        for observer in (self.metrics, self.tracing, AuditObserver(
                self.audit, Masker(mask_key(settings, runtime.secrets)))):
            runtime.add_observer(observer)

    def instrument(self, bridge: Bridge[Any, Any]) -> None:
        exchange = bridge.exchange
        system, protocol = bridge.system, bridge.protocol

        @functools.wraps(exchange)
        async def timed(request: Any) -> Any:
            error_type: str | None = None
            started = time.perf_counter()
            try:
                with self.tracing.bridge_span(system, protocol, request):
                    return await exchange(request)
            except BaseException as exc:  # cancellations (deadlines) count as failures too
                error_type = exc.type_name if isinstance(exc, BridgeError) else type(exc).__name__
                raise
            finally:
                self.metrics.bridge_call(system, protocol, time.perf_counter() - started,
                                         error_type)

        bridge.exchange = timed  # type: ignore[method-assign]

    def trace_calls(self, runtime: Runtime) -> None:
        call = runtime.call

        @functools.wraps(call)
        async def traced(caller: Caller, name: str, arguments: Any, trace_id: str) -> ToolResult:
            with self.tracing.call_span(name, trace_id):
                return await call(caller, name, arguments, trace_id)

        runtime.call = traced  # type: ignore[method-assign]

    def close(self) -> None:
        self.tracing.shutdown()
        self.audit.close()
