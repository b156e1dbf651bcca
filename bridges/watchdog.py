"""One timer thread per bridge that fires deadlines, instead of a thread per statement.

Blocking libraries can only be interrupted from another thread (ODBC's SQLCancel, closing a
socket). Starting a thread per call costs more than a fast call itself; this keeps one.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable


class Watchdog:
    def __init__(self, name: str) -> None:
        self._heap: list[tuple[float, int, Callable[[], float | None]]] = []
        self._cancelled: set[int] = set()
        self._ids = itertools.count()
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def arm(self, delay_s: float, action: Callable[[], float | None]) -> int:
        """Run `action` in `delay_s`; if it returns a number, run it again that much later."""
        handle = next(self._ids)
        with self._wake:
            heapq.heappush(self._heap, (time.monotonic() + delay_s, handle, action))
            self._wake.notify()
        return handle

    def disarm(self, handle: int) -> None:
        with self._wake:
            self._cancelled.add(handle)

    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self._heap:
                    self._wake.wait()
                due, handle, action = self._heap[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                heapq.heappop(self._heap)
                if handle in self._cancelled:
                    self._cancelled.discard(handle)
                    continue
            again = action()
            if again is not None:
                with self._wake:
                    if handle in self._cancelled:
                        self._cancelled.discard(handle)
                    else:
                        heapq.heappush(self._heap, (time.monotonic() + again, handle, action))
