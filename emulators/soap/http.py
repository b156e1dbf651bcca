"""A small HTTP/1.1 server on asyncio streams, with wire-level fault injection.

Hand-written rather than uvicorn because the faults live below HTTP: a truncated body or a
TCP reset cannot be produced from inside an ASGI app.
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

Failure = Literal["http500", "malformed", "truncated", "reset"]
MAX_HEADER_BYTES = 16 * 1024
MAX_BODY_BYTES = 2 << 20


@dataclass(frozen=True)
class Faults:
    """What goes wrong, applied per request to paths starting with one of `paths` (all if empty).

    Replace the emulator's `faults` with a new value to change them while it runs.
    """

    latency_s: float = 0.0
    failure: Failure | None = None
    failure_rate: float = 1.0
    paths: tuple[str, ...] = ()

    def applies(self, path: str) -> bool:
        return not self.paths or any(path.startswith(p) for p in self.paths)


@dataclass
class HttpRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpResponse:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[HttpRequest], Awaitable[HttpResponse]]
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
           411: "Length Required", 413: "Payload Too Large", 500: "Internal Server Error"}
MALFORMED = b'<?xml version="1.0"?><soap:Envelope xmlns:soap="urn:x"><soap:Body><oops'


class HttpServer:
    """Serves `handler` on 127.0.0.1:<free port> from a thread running its own event loop."""

    def __init__(self, handler: Handler, seed: int = 7) -> None:
        self.handler = handler
        self.faults = Faults()
        self._random = random.Random(seed)  # noqa: S311 - fault dice, not crypto
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="soap-emulator")
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, sock=sock, limit=MAX_HEADER_BYTES), self._loop)
        self._server = future.result(timeout=10)

    def stop(self) -> None:
        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
                for task in list(self._tasks):
                    task.cancel()
                await asyncio.gather(*self._tasks, return_exceptions=True)
                await self._server.wait_closed()

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._loop.close()

    async def _read(self, reader: asyncio.StreamReader) -> HttpRequest | HttpResponse | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        except asyncio.LimitOverrunError:
            return HttpResponse(413)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            return HttpResponse(400)
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        if "transfer-encoding" in headers:
            return HttpResponse(411)
        length = int(headers.get("content-length", "0") or 0)
        if length < 0 or length > MAX_BODY_BYTES:
            return HttpResponse(413)
        body = await reader.readexactly(length) if length else b""
        path, _, query = parts[1].partition("?")
        return HttpRequest(parts[0], path, query, headers, body)

    @staticmethod
    def _head(status: int, headers: dict[str, str], length: int, close: bool) -> bytes:
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}",
                 f"Content-Length: {length}", "Connection: " + ("close" if close else "keep-alive")]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            while True:
                request = await self._read(reader)
                if request is None:
                    return
                if isinstance(request, HttpResponse):
                    writer.write(self._head(request.status, {}, 0, close=True))
                    await writer.drain()
                    return
                faults = self.faults
                active = faults.applies(request.path)
                if active and faults.latency_s > 0:
                    await asyncio.sleep(faults.latency_s)
                failure = (faults.failure if active and faults.failure
                           and self._random.random() < faults.failure_rate else None)
                if failure == "reset":
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    writer.transport.abort()
                    return
                response = (HttpResponse(500, b"Internal Server Error",
                                         {"Content-Type": "text/plain"})
                            if failure == "http500" else await self.handler(request))
                body = MALFORMED if failure == "malformed" else response.body
                close = request.headers.get("connection", "").lower() == "close"
                if failure == "truncated":
                    writer.write(self._head(response.status, response.headers, len(body), True))
                    writer.write(body[: len(body) // 2])
                    await writer.drain()
                    return
                writer.write(self._head(response.status, response.headers, len(body), close))
                writer.write(body)
                await writer.drain()
                if close:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:
            return  # shutdown: the connection is dropped, as a stopping server does
        finally:
            if task is not None:
                self._tasks.discard(task)
            if not writer.transport.is_closing():
                writer.close()
