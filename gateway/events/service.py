"""Legacy events: poll the change feeds, keep every event once, fan out to SSE and webhooks.

Readers always read from the store (the notifier only wakes them), so a slow or reconnecting
reader can lose nothing. What an agent sees is filtered by its policy: a feed's events are
visible to whoever may call the feed's `visible_with` tool.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from adapters.kit import ToolContext
from adapters.kit.feed import ChangeFeed
from bridges.errors import BridgeError
from gateway.auth import Caller
from gateway.events.store import Event, EventLog, EventStore, Subscription
from gateway.registry import adapter_modules
from gateway.runtime import Runtime
from gateway.webhooks import WebhookSender

log = logging.getLogger("mainbridge.events")
BATCH = 100


def load_feeds(modules: list[str] | None) -> list[ChangeFeed]:
    feeds: list[ChangeFeed] = []
    for name in modules if modules is not None else adapter_modules():
        module = importlib.import_module(f"adapters.{name}")
        feeds.extend(cls() for cls in getattr(module, "FEEDS", []))
    return feeds


class Notifier:
    """Wakes every waiter once per `notify`: an asyncio.Event swapped for a fresh one.

    Take `signal()` BEFORE reading the store, then `wait` on it: an event stored between the
    read and the wait has already set that signal, so it is never slept through.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    def signal(self) -> asyncio.Event:
        return self._event

    @staticmethod
    async def wait(signal: asyncio.Event, timeout_s: float) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(signal.wait(), timeout_s)


class EventService:
    def __init__(self, runtime: Runtime, webhooks: WebhookSender | None) -> None:
        self.runtime = runtime
        settings = runtime.settings
        self.store: EventLog
        if settings.controls.redis_url:
            from gateway.events.redis_store import RedisEventStore

            self.store = RedisEventStore(settings.controls.redis_url)
        else:
            self.store = EventStore(settings.state_dir / "events.sqlite3" if settings.state_dir
                                    else None)
        self.last_seen = 0  # the newest event id this process has announced
        self.feeds = [f for f in load_feeds(settings.adapters)
                      if f.system in runtime.bridges] if settings.change_feeds else []
        self.notifier = Notifier()
        self.webhooks = webhooks
        self.poll_s = settings.events_poll_s

    def visible_types(self, caller: Caller) -> set[str]:
        return {f.event for f in self.feeds
                if self.runtime.policy.allows(caller, f.visible_with)}

    def caller(self, sub: Subscription) -> Caller | None:
        """The subscriber as its policy stands now (None: the agent was removed).

        A token (JWT) caller, which no configuration lists, keeps the roles its token
        granted when it subscribed.
        """
        settings = self.runtime.settings
        config = settings.agents.get(sub.agent)
        if config is not None:
            return Caller(agent=sub.agent, roles=frozenset(config.roles),
                          attributes=dict(config.attributes))
        if sub.grants and settings.jwt is not None:
            return Caller(agent=sub.agent, roles=frozenset(sub.grants["roles"]),
                          attributes=dict(sub.grants["attributes"]))
        return None

    async def read(self, caller: Caller, after: int, types: set[str] | None) -> list[Event]:
        allowed = self.visible_types(caller)
        return await self.store.after(after, allowed & types if types is not None else allowed,
                                      BATCH)

    # -- background ------------------------------------------------------------------------

    @asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        for feed in self.feeds:  # the first poll fixes "from now": done before serving
            await self.poll_safely(feed)
        tasks = [asyncio.create_task(self.poll_forever(f), name=f"feed-{f.name}")
                 for f in self.feeds]
        if self.webhooks is not None:
            tasks.append(asyncio.create_task(self.deliver_forever(), name="event-webhooks"))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with suppress(asyncio.CancelledError):
                    await task
            await self.store.aclose()

    async def poll_once(self, feed: ChangeFeed) -> int:
        ctx = ToolContext(bridges=self.runtime.bridges, trace_id=f"feed-{feed.name}",
                          agent=f"feed:{feed.name}")
        position = await self.store.position(feed.name)
        events, new_position = await feed.poll(position, ctx)
        added = await self.store.append(
            feed.name, feed.system,
            [(e.key, feed.event, e.data.model_dump(mode="json")) for e in events], new_position)
        # Wake readers on anything new in the log, whichever replica stored it.
        newest = await self.store.last_seq()
        if newest > self.last_seen:
            self.last_seen = newest
            self.notifier.notify()
        return added

    async def poll_safely(self, feed: ChangeFeed) -> None:
        try:
            await self.poll_once(feed)
        except BridgeError as exc:  # the legacy side is down: try again next round
            log.warning("feed %s: %s", feed.name, exc.message)
        except Exception:  # a feed bug must not end its polling for good; say it loudly
            log.exception("feed %s failed", feed.name)

    async def poll_forever(self, feed: ChangeFeed) -> None:
        while True:
            await asyncio.sleep(self.poll_s)
            await self.poll_safely(feed)

    async def deliver_forever(self) -> None:
        while True:
            signal = self.notifier.signal()
            for sub in await self.store.subscriptions():
                await self.deliver(sub)
            await self.notifier.wait(signal, timeout_s=max(self.poll_s, 1.0))

    async def deliver(self, sub: Subscription) -> None:
        """Send a subscriber what it has not had yet, in order; stop at the first failure."""
        assert self.webhooks is not None
        caller = self.caller(sub)
        if caller is None or not await self.store.lease(sub.id):
            return
        try:
            # Re-read under the lease: another replica may have delivered meanwhile.
            current = next((s for s in await self.store.subscriptions(sub.agent)
                            if s.id == sub.id), None)
            if current is None:
                return
            for event in await self.read(caller, current.position, set(current.types)):
                delivery = await self.webhooks.send(
                    current.url, event.public(), headers={"X-Mainbridge-Event-ID": str(event.seq)})
                ok = delivery.delivered_at is not None
                await self.store.delivered(current.id, event.seq if ok else current.position,
                                           {**delivery.record(), "event_id": str(event.seq)})
                if not ok:
                    return  # retried on the next round, still in order
        finally:
            await self.store.release(sub.id)
