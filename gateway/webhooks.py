"""Signed webhook delivery, shared by job completion and event subscriptions.

The receiver checks `X-Mainbridge-Signature: t=<unix seconds>,v1=<hex>` where v1 is
HMAC-SHA256(key, "<t>.<body>"): the timestamp is signed with the body so an old delivery
cannot be replayed later. Deliveries are retried with exponential backoff and the outcome
(attempts, last status or error) is returned for the caller to record.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from gateway.errors import InvalidArguments

SIGNATURE_HEADER = "X-Mainbridge-Signature"
SECRET_NAME = "webhook.signing_key"  # noqa: S105 - a name in the secret store, not a value


def sign(key: bytes, timestamp: int, body: bytes) -> str:
    mac = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(key: bytes, header: str, body: bytes, max_age_s: float = 300.0) -> bool:
    """The receiver's check (used by tests and documented for subscribers)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > max_age_s:
        return False
    return hmac.compare_digest(sign(key, timestamp, body), header)


@dataclass
class Delivery:
    url: str
    attempts: int = 0
    status: int | None = None
    error: str | None = None
    delivered_at: str | None = None

    def record(self) -> dict[str, Any]:
        return asdict(self)


class WebhookSender:
    def __init__(self, key: bytes, attempts: int = 5, first_backoff_s: float = 0.5,
                 timeout_s: float = 10.0) -> None:
        self.key = key
        self.attempts = attempts
        self.first_backoff_s = first_backoff_s
        self.client = httpx.AsyncClient(timeout=timeout_s, follow_redirects=False)

    async def send(self, url: str, payload: dict[str, Any],
                   headers: dict[str, str] | None = None) -> Delivery:
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")
        delivery = Delivery(url=url)
        for attempt in range(self.attempts):
            if attempt:
                await asyncio.sleep(self.first_backoff_s * 2 ** (attempt - 1))
            delivery.attempts = attempt + 1
            signed = {"Content-Type": "application/json", **(headers or {}),
                      SIGNATURE_HEADER: sign(self.key, int(time.time()), body)}
            try:
                response = await self.client.post(url, content=body, headers=signed)
            except httpx.HTTPError as exc:
                delivery.status, delivery.error = None, f"{type(exc).__name__}: {exc}"
                continue
            delivery.status = response.status_code
            if response.is_success:
                delivery.error = None
                delivery.delivered_at = datetime.now(UTC).isoformat()
                return delivery
            delivery.error = f"HTTP {response.status_code}"
        return delivery

    async def close(self) -> None:
        await self.client.aclose()


def check_url(url: str, allowed_hosts: list[str]) -> None:
    """A webhook target an agent names must be http(s) on a host the operator allowed.

    Without this, X-Webhook-URL would let an agent make the gateway call any internal host.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise InvalidArguments("a webhook URL must be http(s)")
    if (parts.hostname or "") not in allowed_hosts:
        raise InvalidArguments(
            f"webhook host {parts.hostname!r} is not allowed; the operator lists allowed hosts "
            "in the webhook_hosts setting")
