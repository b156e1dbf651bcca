"""The tool-result cache: per-tool TTL, keys scoped to what the caller may see; memory or Redis.

Entries outlive their TTL by a stale window, so that when the backend is down a stale answer
can be served (stale-if-error) with `cached: true`, its age, and a warning.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol


def cache_key(tool: str, arguments: dict[str, Any], scope: tuple[str, ...]) -> str:
    """Arguments AND the caller's visibility scope: cached data never crosses policies."""
    text = json.dumps([tool, arguments, scope], sort_keys=True, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    value: dict[str, Any]
    stored_at: float  # epoch seconds

    def age_s(self) -> float:
        return max(0.0, time.time() - self.stored_at)


class CacheStore(Protocol):
    async def get(self, key: str) -> Entry | None: ...

    async def put(self, key: str, value: dict[str, Any], keep_s: float) -> None: ...


class MemoryCache:
    """LRU-bounded; an entry is dropped once TTL + stale window have passed."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[str, tuple[Entry, float]] = OrderedDict()

    async def get(self, key: str) -> Entry | None:
        found = self._data.get(key)
        if found is None:
            return None
        entry, expires = found
        if time.time() >= expires:
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return entry

    async def put(self, key: str, value: dict[str, Any], keep_s: float) -> None:
        now = time.time()
        self._data[key] = (Entry(value, now), now + keep_s)
        self._data.move_to_end(key)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)


class RedisCache:
    def __init__(self, client: Any, prefix: str = "mainbridge:cache:") -> None:
        self.client = client
        self.prefix = prefix

    async def get(self, key: str) -> Entry | None:
        raw = await self.client.get(self.prefix + key)
        if raw is None:
            return None
        stored = json.loads(raw)
        return Entry(stored["value"], stored["stored_at"])

    async def put(self, key: str, value: dict[str, Any], keep_s: float) -> None:
        payload = json.dumps({"value": value, "stored_at": time.time()}, default=str)
        await self.client.set(self.prefix + key, payload, px=max(1, int(keep_s * 1000)))
