"""What every tool call leaves behind for audit, metrics and traces: one CallRecord.

The runtime builds one record per call, allowed or denied, successful or failed, and hands it
to each registered observer. Observers get the arguments as the agent sent them and must mask
what they store themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class CallRecord:
    trace_id: str
    agent: str
    on_behalf_of: str | None
    tool: str
    system: str | None  # None when the tool is unknown
    arguments: Any
    decision: str  # "allow" | "deny"
    reason: str  # the policy's explanation of the decision
    outcome: str  # "ok" | "error"
    status: int  # the HTTP status the caller got
    error_type: str | None
    latency_ms: float
    cached: bool
    started_at: datetime


class CallObserver(Protocol):
    async def observe(self, record: CallRecord) -> None:
        """Take note of one finished call. Raising fails the call (audit fails closed)."""


class ControlMetrics(Protocol):
    """What the controls report to metrics (cache, breakers); a no-op until metrics exist."""

    def cache(self, tool: str, hit: bool) -> None: ...

    def breaker_state(self, system: str, state: str) -> None: ...

    def rejected(self, kind: str, tool: str, system: str) -> None: ...


class NullMetrics:
    def cache(self, tool: str, hit: bool) -> None:
        """No metrics backend: nothing to count."""

    def breaker_state(self, system: str, state: str) -> None:
        """No metrics backend: nothing to count."""

    def rejected(self, kind: str, tool: str, system: str) -> None:
        """No metrics backend: nothing to count."""
