"""GET /events (Server-Sent Events, resumable) and webhook subscriptions, policy-filtered."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from gateway.auth import Caller, request_caller
from gateway.errors import Forbidden, GatewayError, InvalidArguments, UnknownTool
from gateway.events.service import EventService
from gateway.webhooks import SECRET_NAME, check_url

KEEPALIVE_S = 15.0
# A stream ends after this long and the client reconnects with Last-Event-ID (losing
# nothing); it also keeps a gateway shutdown from waiting on streams that never end.
MAX_STREAM_S = 300.0


class NewSubscription(BaseModel):
    url: str = Field(max_length=2000)
    types: list[str] = Field(min_length=1, description="Event types, e.g. transaction_changed@1")


class NoSubscription(UnknownTool):
    type_name = "subscription_not_found"


def sse(event_id: str, event_type: str, data: dict[str, Any]) -> str:
    return f"id: {event_id}\nevent: {event_type}\ndata: {json.dumps(data)}\n\n"


def event_routes(events: EventService) -> APIRouter:
    router = APIRouter(tags=["events"])

    def caller_of(request: Request) -> Caller:
        return request_caller(events.runtime.auth, request)

    def requested(caller: Caller, types: str | list[str] | None) -> set[str] | None:
        if types is None:
            return None
        wanted = set(types.split(",") if isinstance(types, str) else types)
        hidden = sorted(wanted - events.visible_types(caller))
        if hidden:
            raise Forbidden(f"agent {caller.agent!r} may not receive {', '.join(hidden)}")
        return wanted

    @router.get("/events")
    async def stream(request: Request, types: str | None = None) -> StreamingResponse:
        """SSE of the events the caller may see, from now on; `Last-Event-ID` (or `?after=`)
        resumes after that event id instead."""
        caller = caller_of(request)
        wanted = requested(caller, types)
        resume = request.headers.get("last-event-id") or request.query_params.get("after")
        if resume is not None and not resume.isdigit():
            raise InvalidArguments("Last-Event-ID must be an event id (a number)")
        start = int(resume) if resume is not None else await events.store.last_seq()

        async def body() -> AsyncIterator[str]:
            cursor, ends = start, time.monotonic() + MAX_STREAM_S
            yield "retry: 1000\n\n"
            while time.monotonic() < ends:
                signal = events.notifier.signal()
                batch = await events.read(caller, cursor, wanted)
                for event in batch:
                    cursor = event.seq
                    yield sse(str(event.seq), event.type, event.public())
                if not batch:
                    yield ": keepalive\n\n"
                    await events.notifier.wait(signal, KEEPALIVE_S)

        return StreamingResponse(body(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store",
                                          "X-Accel-Buffering": "no"})

    @router.post("/events/subscriptions", status_code=201)
    async def subscribe(request: Request, new: NewSubscription) -> dict[str, Any]:
        caller = caller_of(request)
        if events.webhooks is None:
            raise GatewayError(f"webhooks need the secret {SECRET_NAME!r} configured")
        check_url(new.url, events.runtime.settings.webhook_hosts)
        wanted = requested(caller, new.types)
        assert wanted is not None
        sub = await events.store.subscribe(
            caller.agent, new.url, sorted(wanted),
            {"roles": sorted(caller.roles), "attributes": caller.attributes})
        events.notifier.notify()
        return sub.public()

    @router.get("/events/subscriptions")
    async def subscriptions(request: Request) -> dict[str, Any]:
        caller = caller_of(request)
        return {"subscriptions": [s.public()
                                  for s in await events.store.subscriptions(caller.agent)]}

    @router.delete("/events/subscriptions/{sub_id}", status_code=204)
    async def unsubscribe(sub_id: str, request: Request) -> None:
        if not await events.store.unsubscribe(caller_of(request).agent, sub_id):
            raise NoSubscription(f"no subscription {sub_id!r}")

    return router
