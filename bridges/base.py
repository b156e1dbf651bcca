"""Bridge: the one interface between mainbridge and a legacy wire protocol."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, Generic, TypeVar

from bridges.workers import WorkerPool

Request = TypeVar("Request")
Reply = TypeVar("Reply")


class Bridge(ABC, Generic[Request, Reply]):
    """Owns the connections to one legacy system over one protocol.

    Subclasses implement `exchange` (one request, one raw reply) and may override the
    `open`/`close` hooks. They raise only `bridges.errors.BridgeError` subclasses.
    """

    protocol: ClassVar[str] = ""

    def __init__(self, system: str) -> None:
        self.system = system

    async def open(self) -> None:
        """Hook: connect, warm pools. Called once before the first exchange."""

    async def close(self) -> None:
        """Hook: release every connection and thread."""

    @abstractmethod
    async def exchange(self, request: Request) -> Reply:
        """Send one request to the legacy system and return its raw reply."""


class BlockingBridge(Bridge[Request, Reply]):
    """A bridge over a blocking client library: `exchange_blocking` runs in a worker thread."""

    def __init__(self, system: str, max_workers: int = 4) -> None:
        super().__init__(system)
        self.workers = WorkerPool(max_workers, name=f"{self.protocol}-{system}")

    async def exchange(self, request: Request) -> Reply:
        return await self.workers.run(self.exchange_blocking, request)

    @abstractmethod
    def exchange_blocking(self, request: Request) -> Reply:
        """The blocking exchange; runs in the bridge's bounded worker pool."""

    async def close(self) -> None:
        self.workers.shutdown()
