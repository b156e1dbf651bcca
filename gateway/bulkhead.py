"""Bulkheads: a concurrency limit per backend with a bounded, timed wait queue.

One slow mainframe fills its own bulkhead and nobody else's; callers beyond the queue get 503
with Retry-After at once (backpressure) instead of piling up.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import BaseModel, Field

from gateway.errors import Overloaded


class BulkheadConfig(BaseModel):
    max_concurrent: int = Field(default=16, ge=1)
    max_queue: int = Field(default=64, ge=0)
    queue_timeout_s: float = Field(default=5.0, gt=0)


class Bulkhead:
    def __init__(self, system: str, config: BulkheadConfig) -> None:
        self.system = system
        self.config = config
        self._slots = asyncio.Semaphore(config.max_concurrent)
        self._waiting = 0

    @property
    def waiting(self) -> int:
        return self._waiting

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._slots.locked():
            if self._waiting >= self.config.max_queue:
                raise Overloaded(f"{self.system} is at its concurrency limit "
                                 f"({self.config.max_concurrent} running, queue full)",
                                 retry_after_s=1)
            self._waiting += 1
            try:
                await asyncio.wait_for(self._slots.acquire(), self.config.queue_timeout_s)
            except TimeoutError:
                raise Overloaded(f"{self.system} stayed busy for "
                                 f"{self.config.queue_timeout_s:g}s", retry_after_s=1) from None
            finally:
                self._waiting -= 1
        else:
            await self._slots.acquire()
        try:
            yield
        finally:
            self._slots.release()
