"""A fake SOAP peer for tests: answers every request with the bytes it is given."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class FixedReply:
    """ASGI app: every request gets `body` (set it per test) with status 200."""

    def __init__(self) -> None:
        self.body = b""
        self.content_type = "text/xml; charset=utf-8"

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", self.content_type.encode())]})
        await send({"type": "http.response.body", "body": self.body})


def laughs_doctype(root: str) -> str:
    """A billion-laughs DTD: entity l9 would expand to 10^9 'lol's."""
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    return f'<!DOCTYPE {root} [<!ENTITY l0 "lol">{entities}]>'
