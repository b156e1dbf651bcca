"""A webhook receiver for tests: a real HTTP server that records what it is sent."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]


@dataclass
class Receiver:
    """Answers 500 to the first `fail_first` deliveries, then 204; keeps every delivery."""

    fail_first: int = 0
    deliveries: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        with self.lock:
            self.deliveries.append(Received(body, dict(request.headers)))
            failing = len(self.deliveries) <= self.fail_first
        return Response(status_code=500 if failing else 204)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    def accepted(self) -> list[Received]:
        with self.lock:
            return self.deliveries[self.fail_first:]
