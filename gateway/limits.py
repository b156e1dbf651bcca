"""Rate limits per agent x tool (GCRA, with burst) and daily quotas; memory or Redis.

GCRA ("generic cell rate algorithm") keeps one timestamp per key, the theoretical arrival time
(TAT). A call is allowed when now >= TAT - tau; it then moves TAT by one emission interval
T = period / rate. `burst` calls may arrive at once; over ANY window of one period, at most
rate + burst - 1 calls pass, so there is no doubling at a fixed window's edge.
With Redis, the check is one Lua script using the server's clock, so several gateway processes
share one limit instead of each enforcing its own.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any, Protocol

from pydantic import BaseModel, Field, field_validator

from gateway.errors import RateLimited

_PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")


class LimitRule(BaseModel):
    """`rate = "100/minute"`; burst defaults to 5 % of the rate (at least 1)."""

    agent: str = "*"
    tool: str = "*"
    rate: str | None = None
    burst: int | None = Field(default=None, ge=1)
    daily_quota: int | None = Field(default=None, ge=1)

    @field_validator("rate")
    @classmethod
    def _parse(cls, value: str | None) -> str | None:
        if value is not None and not _RATE.match(value):
            raise ValueError("rate must look like '100/minute' (second|minute|hour|day)")
        return value

    def _count_period(self) -> tuple[int, float]:
        match = _RATE.match(self.rate or "")
        if match is None:
            raise ValueError("rule has no rate")
        return int(match.group(1)), _PERIODS[match.group(2)]

    def interval_s(self) -> float:
        count, period = self._count_period()
        return period / count

    def burst_size(self) -> int:
        return self.burst or max(1, self._count_period()[0] // 20)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_s: float = 0.0


class LimitStore(Protocol):
    async def gcra(self, key: str, interval_s: float, tolerance_s: float) -> Verdict: ...

    async def count_today(self, key: str, quota: int) -> Verdict: ...


class MemoryLimitStore:
    def __init__(self) -> None:
        self._tat: dict[str, float] = {}
        self._days: dict[str, int] = {}

    async def gcra(self, key: str, interval_s: float, tolerance_s: float) -> Verdict:
        now = time.monotonic()
        tat = max(self._tat.get(key, now), now)
        if now < tat - tolerance_s:
            return Verdict(False, tat - tolerance_s - now)
        self._tat[key] = tat + interval_s
        return Verdict(True)

    async def count_today(self, key: str, quota: int) -> Verdict:
        day_key = f"{key}:{datetime.now(UTC):%Y%m%d}"
        used = self._days.get(day_key, 0)
        if used >= quota:
            return Verdict(False, _seconds_to_midnight())
        self._days[day_key] = used + 1
        return Verdict(True)


_GCRA_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
if now < tat - tolerance then return {0, tostring(tat - tolerance - now)} end
redis.call('SET', KEYS[1], tostring(tat + interval), 'PX',
           math.ceil(tat + interval - now + tolerance) + 1000)
return {1, '0'}
"""
_QUOTA_LUA = """
local used = redis.call('INCR', KEYS[1])
if used == 1 then redis.call('EXPIRE', KEYS[1], 90000) end
if used > tonumber(ARGV[1]) then redis.call('DECR', KEYS[1]) return 0 end
return 1
"""


class RedisLimitStore:
    def __init__(self, client: Any, prefix: str = "mainbridge:limit:") -> None:
        self.client = client
        self.prefix = prefix
        self._gcra = client.register_script(_GCRA_LUA)
        self._quota = client.register_script(_QUOTA_LUA)

    async def gcra(self, key: str, interval_s: float, tolerance_s: float) -> Verdict:
        allowed, wait_ms = await self._gcra(keys=[self.prefix + key],
                                            args=[interval_s * 1000, tolerance_s * 1000])
        return Verdict(bool(allowed), float(wait_ms) / 1000)

    async def count_today(self, key: str, quota: int) -> Verdict:
        day_key = f"{self.prefix}quota:{key}:{datetime.now(UTC):%Y%m%d}"
        allowed = await self._quota(keys=[day_key], args=[quota])
        return Verdict(bool(allowed), 0.0 if allowed else _seconds_to_midnight())


def _seconds_to_midnight() -> float:
    now = datetime.now(UTC)
    return 86400.0 - (now.hour * 3600 + now.minute * 60 + now.second)


class RateLimiter:
    """Applies every matching rule; the first one that refuses answers 429."""

    def __init__(self, rules: list[LimitRule], store: LimitStore) -> None:
        self.rules = rules
        self.store = store
        self._lock = asyncio.Lock()

    def matching(self, agent: str, tool: str) -> list[tuple[int, LimitRule]]:
        return [(i, r) for i, r in enumerate(self.rules)
                if fnmatchcase(agent, r.agent) and fnmatchcase(tool, r.tool)]

    async def check(self, agent: str, tool: str) -> None:
        for index, rule in self.matching(agent, tool):
            key = f"{index}:{agent}:{tool}"
            if rule.rate:
                interval = rule.interval_s()
                verdict = await self.store.gcra(key, interval,
                                                interval * (rule.burst_size() - 1))
                if not verdict.allowed:
                    raise RateLimited(f"{agent} may call {tool} at most {rule.rate}",
                                      retry_after_s=verdict.retry_after_s)
            if rule.daily_quota:
                verdict = await self.store.count_today(key, rule.daily_quota)
                if not verdict.allowed:
                    raise RateLimited(f"daily quota of {rule.daily_quota} calls of {tool} used up",
                                      retry_after_s=verdict.retry_after_s)
