"""Circuit breakers per backend: failure-rate and slow-call-rate windows, as Resilience4j.

closed --(window over threshold)--> open --(wait)--> half-open --(probes ok)--> closed
                                      ^------------(a probe fails)--------------'
Open circuits fail fast (503, retriable) without touching the backend. Calls are never
serialized through the breaker: it only counts outcomes. The state lives in a store, in memory
or in Redis so that several gateway processes open and close together.
"""

from __future__ import annotations

import json
import time
from typing import Any, Protocol

from pydantic import BaseModel, Field

from bridges.errors import ConnectError

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


class BreakerConfig(BaseModel):
    window: int = Field(default=20, ge=1, description="Last N calls judged")
    min_calls: int = Field(default=10, ge=1)
    failure_rate: float = Field(default=0.5, gt=0, le=1)
    slow_call_s: float = Field(default=5.0, gt=0)
    slow_rate: float = Field(default=0.8, gt=0, le=1)
    open_s: float = Field(default=10.0, gt=0, description="How long an open circuit waits")
    half_open_probes: int = Field(default=3, ge=1)


class CircuitOpen(ConnectError):
    """The backend failed too often lately; calls fail fast until it has had time to heal."""

    def __init__(self, system: str, retry_after_s: float) -> None:
        super().__init__(f"circuit for {system} is open after repeated failures; "
                         f"retry in {retry_after_s:.1f}s", system=system)
        self.retry_after_s = retry_after_s


class BreakerState(BaseModel):
    state: str = CLOSED
    opened_at: float = 0.0
    probes: int = 0  # probes let through while half-open
    successes: int = 0  # successful probes while half-open
    window: list[str] = Field(default_factory=list)  # "ok" | "fail" | "slow", newest last


class BreakerStore(Protocol):
    async def load(self, system: str) -> BreakerState: ...

    async def save(self, system: str, state: BreakerState) -> None: ...


class MemoryBreakerStore:
    def __init__(self) -> None:
        self._states: dict[str, BreakerState] = {}

    async def load(self, system: str) -> BreakerState:
        return self._states.get(system) or BreakerState()

    async def save(self, system: str, state: BreakerState) -> None:
        self._states[system] = state


class RedisBreakerStore:
    def __init__(self, client: Any, prefix: str = "mainbridge:breaker:") -> None:
        self.client = client
        self.prefix = prefix

    async def load(self, system: str) -> BreakerState:
        raw = await self.client.get(self.prefix + system)
        return BreakerState.model_validate(json.loads(raw)) if raw else BreakerState()

    async def save(self, system: str, state: BreakerState) -> None:
        await self.client.set(self.prefix + system, state.model_dump_json())


class CircuitBreaker:
    def __init__(self, system: str, config: BreakerConfig, store: BreakerStore) -> None:
        self.system = system
        self.config = config
        self.store = store

    async def before_call(self) -> str:
        """Raise CircuitOpen, or say in which state the call is let through."""
        s = await self.store.load(self.system)
        if s.state == OPEN:
            waited = time.time() - s.opened_at
            if waited < self.config.open_s:
                raise CircuitOpen(self.system, self.config.open_s - waited)
            s = BreakerState(state=HALF_OPEN)
        if s.state == HALF_OPEN:
            if s.probes >= self.config.half_open_probes:
                raise CircuitOpen(self.system, 1.0)
            s.probes += 1
            await self.store.save(self.system, s)
        return s.state

    async def record(self, failed: bool, duration_s: float) -> str:
        """Count one outcome; return the state afterwards."""
        s = await self.store.load(self.system)
        if s.state == HALF_OPEN:
            if failed:
                s = BreakerState(state=OPEN, opened_at=time.time())
            else:
                s.successes += 1
                if s.successes >= self.config.half_open_probes:
                    s = BreakerState()
        elif s.state == CLOSED:
            outcome = "fail" if failed else "slow" if duration_s >= self.config.slow_call_s \
                else "ok"
            s.window = [*s.window, outcome][-self.config.window:]
            if self._tripped(s.window):
                s = BreakerState(state=OPEN, opened_at=time.time())
        await self.store.save(self.system, s)
        return s.state

    def _tripped(self, window: list[str]) -> bool:
        if len(window) < self.config.min_calls:
            return False
        n = len(window)
        return (window.count("fail") / n >= self.config.failure_rate
                or window.count("slow") / n >= self.config.slow_rate)
