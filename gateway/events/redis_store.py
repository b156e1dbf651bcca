"""The event log on Redis Streams, for several gateway replicas (`controls.redis_url`).

Same interface as the SQLite EventStore. Every replica polls the feeds; a Lua script stores
an event only if its key is new, numbers it from one counter (stream id `<seq>-0`, so event
ids stay plain integers for Last-Event-ID) and moves the feed's position, atomically. A
subscription is delivered by one replica at a time, under a short lease.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis

from gateway.events.store import Event, Subscription

PREFIX = "mainbridge:events:"
LEASE_MS = 120_000  # longer than one delivery with all its retries

# KEYS: seq, keys, log, positions. ARGV: feed, position ("" = keep), system, recorded_at,
# then key, type, data for each event.
_APPEND = """
local added = 0
for i = 5, #ARGV, 3 do
  if redis.call('SADD', KEYS[2], ARGV[i]) == 1 then
    local seq = redis.call('INCR', KEYS[1])
    redis.call('XADD', KEYS[3], seq .. '-0', 'type', ARGV[i + 1], 'system', ARGV[3],
               'recorded_at', ARGV[4], 'data', ARGV[i + 2])
    added = added + 1
  end
end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[4], ARGV[1], ARGV[2]) end
return added
"""


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


class RedisEventStore:
    def __init__(self, url: str, prefix: str = PREFIX) -> None:
        self.redis = aioredis.from_url(url)
        self.k = {name: f"{prefix}{name}" for name in
                  ("seq", "keys", "log", "positions", "subs", "lease:")}
        self._append = self.redis.register_script(_APPEND)
        self.replica = uuid.uuid4().hex

    async def position(self, feed: str) -> str | None:
        value = await self.redis.hget(self.k["positions"], feed)
        return _text(value) if value is not None else None

    async def append(self, feed: str, system: str, events: list[tuple[str, str, dict[str, Any]]],
                     position: str | None) -> int:
        args: list[str] = [feed, position or "", system, datetime.now(UTC).isoformat()]
        for key, type_, data in events:
            args += [key, type_, json.dumps(data)]
        keys = [self.k["seq"], self.k["keys"], self.k["log"], self.k["positions"]]
        return int(await self._append(keys=keys, args=args))

    async def after(self, seq: int, types: set[str], limit: int = 100) -> list[Event]:
        found: list[Event] = []
        start = f"({seq}-0"
        while types and len(found) < limit:
            entries = await self.redis.xrange(self.k["log"], min=start, count=limit * 4)
            if not entries:
                break
            for entry_id, fields in entries:
                if entry_id is None or fields is None:
                    continue
                start = f"({_text(entry_id)}"
                f = {_text(k): _text(v) for k, v in fields.items()}
                if f["type"] in types and len(found) < limit:
                    found.append(Event(seq=int(_text(entry_id).split("-")[0]), type=f["type"],
                                       system=f["system"], recorded_at=f["recorded_at"],
                                       data=json.loads(f["data"])))
        return found

    async def last_seq(self) -> int:
        return int(await self.redis.get(self.k["seq"]) or 0)

    # -- webhook subscriptions ---------------------------------------------------------------

    async def subscribe(self, agent: str, url: str, types: list[str],
                        grants: dict[str, Any]) -> Subscription:
        sub = Subscription(id=uuid.uuid4().hex, agent=agent, url=url, types=sorted(types),
                           position=await self.last_seq(),
                           created_at=datetime.now(UTC).isoformat(), last_delivery=None,
                           grants=grants)
        await self.redis.hset(self.k["subs"], sub.id, json.dumps(sub.__dict__))
        return sub

    async def subscriptions(self, agent: str | None = None) -> list[Subscription]:
        raw = await self.redis.hvals(self.k["subs"])
        subs = [Subscription(**json.loads(v)) for v in raw]
        return sorted((s for s in subs if agent is None or s.agent == agent),
                      key=lambda s: s.created_at)

    async def unsubscribe(self, agent: str, sub_id: str) -> bool:
        raw = await self.redis.hget(self.k["subs"], sub_id)
        if raw is None or json.loads(raw)["agent"] != agent:
            return False
        return bool(await self.redis.hdel(self.k["subs"], sub_id))

    async def delivered(self, sub_id: str, position: int, record: dict[str, Any]) -> None:
        raw = await self.redis.hget(self.k["subs"], sub_id)
        if raw is None:
            return  # unsubscribed meanwhile
        sub = json.loads(raw)
        sub["position"], sub["last_delivery"] = max(sub["position"], position), record
        await self.redis.hset(self.k["subs"], sub_id, json.dumps(sub))

    async def lease(self, sub_id: str) -> bool:
        """Whether this replica may deliver `sub_id` now (one replica at a time)."""
        return bool(await self.redis.set(f"{self.k['lease:']}{sub_id}", self.replica, nx=True,
                                          px=LEASE_MS))

    async def release(self, sub_id: str) -> None:
        await self.redis.delete(f"{self.k['lease:']}{sub_id}")

    async def aclose(self) -> None:
        await self.redis.aclose()
