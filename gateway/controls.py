"""The controls between an allowed call and its backend: limits, cache, breaker, bulkhead, retry.

Assembled once from settings, with memory stores by default and Redis stores when
`controls.redis_url` is set (several gateway processes then share limits, cache and breakers).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel, Field
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from bridges.errors import BridgeError, BridgeTimeout
from gateway.breaker import (
    BreakerConfig,
    BreakerStore,
    CircuitBreaker,
    CircuitOpen,
    MemoryBreakerStore,
    RedisBreakerStore,
)
from gateway.bulkhead import Bulkhead, BulkheadConfig
from gateway.cache import CacheStore, MemoryCache, RedisCache
from gateway.limits import LimitRule, LimitStore, MemoryLimitStore, RateLimiter, RedisLimitStore

T = TypeVar("T")


class RetryConfig(BaseModel):
    attempts: int = Field(default=3, ge=1)
    initial_s: float = Field(default=0.05, ge=0)
    max_wait_s: float = Field(default=1.0, ge=0)


class ControlSettings(BaseModel):
    redis_url: str | None = Field(default=None, description="Share state across replicas")
    limits: list[LimitRule] = Field(default_factory=list)
    bulkhead: BulkheadConfig = Field(default_factory=BulkheadConfig)
    bulkheads: dict[str, BulkheadConfig] = Field(default_factory=dict, description="Per system")
    breaker: BreakerConfig = Field(default_factory=BreakerConfig)
    retry: RetryConfig = Field(default_factory=RetryConfig)
    request_deadline_s: float = Field(default=30.0, gt=0, description="Total, retries included")
    stale_if_error_s: float = Field(default=3600.0, ge=0,
                                    description="How long past its TTL a result may be served "
                                    "when the backend is down")
    cache_max_entries: int = Field(default=10_000, ge=1)


def retriable(exc: BaseException) -> bool:
    """Worth another attempt now; an open circuit is not (it fails fast by design)."""
    return isinstance(exc, BridgeError) and exc.retriable and not isinstance(exc, CircuitOpen)


class Controls:
    def __init__(self, settings: ControlSettings) -> None:
        self.settings = settings
        limit_store: LimitStore
        breaker_store: BreakerStore
        self.cache: CacheStore
        self.redis: Any = None
        if settings.redis_url:
            import redis.asyncio as aioredis

            self.redis = aioredis.from_url(settings.redis_url)
            limit_store = RedisLimitStore(self.redis)
            breaker_store = RedisBreakerStore(self.redis)
            self.cache = RedisCache(self.redis)
        else:
            limit_store, breaker_store = MemoryLimitStore(), MemoryBreakerStore()
            self.cache = MemoryCache(settings.cache_max_entries)
        self.limiter = RateLimiter(settings.limits, limit_store)
        self._breaker_store = breaker_store
        self._breakers: dict[str, CircuitBreaker] = {}
        self._bulkheads: dict[str, Bulkhead] = {}

    def breaker(self, system: str) -> CircuitBreaker:
        if system not in self._breakers:
            self._breakers[system] = CircuitBreaker(system, self.settings.breaker,
                                                    self._breaker_store)
        return self._breakers[system]

    def bulkhead(self, system: str) -> Bulkhead:
        if system not in self._bulkheads:
            config = self.settings.bulkheads.get(system, self.settings.bulkhead)
            self._bulkheads[system] = Bulkhead(system, config)
        return self._bulkheads[system]

    async def guarded(self, system: str, attempt: Callable[[float], Awaitable[T]],
                      timeout_s: float, deadline: float,
                      on_breaker: Callable[[str, str], None] | None = None) -> T:
        """One backend call: breaker check, bulkhead slot, per-call timeout, outcome counted."""
        breaker = self.breaker(system)
        await breaker.before_call()
        async with self.bulkhead(system).slot():
            budget = min(timeout_s, deadline - time.monotonic())
            if budget <= 0:
                raise BridgeTimeout("the request's deadline passed before the call",
                                    system=system)
            started = time.monotonic()
            # The breaker counts the backend's outcomes only: not a cancelled caller, not a bug.
            failed: bool | None = None
            try:
                result = await asyncio.wait_for(attempt(budget), budget)
                failed = False
                return result
            except TimeoutError:
                failed = True
                raise BridgeTimeout(f"no answer within {budget:.2f}s", system=system) from None
            except BridgeError as exc:
                failed = exc.retriable
                raise
            finally:
                if failed is not None:
                    state = await breaker.record(failed, time.monotonic() - started)
                    if on_breaker:
                        on_breaker(system, state)

    async def with_retries(self, call: Callable[[], Awaitable[T]], idempotent: bool,
                           deadline: float) -> T:
        """Retry retriable errors of idempotent calls, backing off with jitter, in the deadline.

        Writes (non-idempotent) are never retried: a timeout may have written already.
        """
        if not idempotent:
            return await call()
        cfg = self.settings.retry
        retrying = AsyncRetrying(
            stop=stop_after_attempt(cfg.attempts)
            | stop_after_delay(max(0.0, deadline - time.monotonic())),
            wait=wait_exponential_jitter(multiplier=cfg.initial_s, max=cfg.max_wait_s),
            retry=retry_if_exception(retriable), reraise=True)
        async for attempt in retrying:
            with attempt:
                return await call()
        raise AssertionError("unreachable: tenacity reraises the last error")

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
