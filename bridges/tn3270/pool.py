"""A pool of signed-on terminal sessions: a budget of sessions, first come first served."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bridges.errors import BridgeTimeout

S = TypeVar("S")


@dataclass
class _Waiter(Generic[S]):
    ready: threading.Event = field(default_factory=threading.Event)
    session: S | None = None  # None: handed the slot of a broken session, open a new one


class SessionPool(Generic[S]):
    """At most `max_sessions` sessions; waiters are served strictly in arrival order.

    A released session goes straight to the longest waiter (no barging), a broken one gives
    its slot to that waiter, who signs on afresh. Idle sessions older than `check_after_s`
    are health-checked before use.
    """

    def __init__(self, open_session: Callable[[], S], close_session: Callable[[S], None],
                 healthy: Callable[[S], bool], max_sessions: int, wait_s: float,
                 check_after_s: float, system: str) -> None:
        self._open, self._close, self._healthy = open_session, close_session, healthy
        self.max_sessions = max_sessions
        self.wait_s = wait_s
        self.check_after_s = check_after_s
        self.system = system
        self._lock = threading.Lock()
        self._idle: deque[tuple[S, float]] = deque()
        self._waiters: deque[_Waiter[S]] = deque()
        self.size = 0  # sessions open or being opened
        self.opened = 0  # sign-ons so far, for tests and metrics

    def _take(self) -> tuple[S | None, float]:
        """(an idle session, when it was last used), or (None, 0): open one in a free slot.
        With neither at hand, wait in line for a hand-over."""
        with self._lock:
            if self._idle and not self._waiters:
                return self._idle.pop()
            if self.size < self.max_sessions and not self._waiters:
                self.size += 1
                return None, 0.0
            waiter: _Waiter[S] = _Waiter()
            self._waiters.append(waiter)
        if not waiter.ready.wait(self.wait_s):
            with self._lock:
                if not waiter.ready.is_set():
                    self._waiters.remove(waiter)
                    raise BridgeTimeout(f"all {self.max_sessions} sessions busy for "
                                        f"{self.wait_s:g}s", system=self.system)
        return waiter.session, time.monotonic()

    def acquire(self) -> S:
        session, used = self._take()
        if session is not None:
            if time.monotonic() - used <= self.check_after_s or self._healthy(session):
                return session
            self._close(session)  # dead while idle: keep its slot, sign on afresh
        try:
            opened = self._open()
        except BaseException:
            self._give_back(None)
            raise
        with self._lock:
            self.opened += 1
        return opened

    def _give_back(self, session: S | None) -> None:
        """Return a session (or, with None, the slot of a broken one) to the next in line."""
        with self._lock:
            if self._waiters:
                waiter = self._waiters.popleft()
                waiter.session = session
                waiter.ready.set()
                return
            if session is None:
                self.size -= 1
            else:
                self._idle.append((session, time.monotonic()))

    def release(self, session: S, healthy: bool) -> None:
        if not healthy:
            self._close(session)
            self._give_back(None)
        else:
            self._give_back(session)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = list(self._idle), deque()
            self.size -= len(idle)
        for session, _ in idle:
            self._close(session)
