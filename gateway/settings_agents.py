"""Agents known by API key: how keys are stored (hashed) and which keys are demo-only."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, Field

DEMO_KEYS = {
    "support": "demo-support-key",
    "sales": "demo-sales-key",
    "compliance": "demo-compliance-key",
    "admin": "demo-admin-key",
}


def key_hash(api_key: str) -> str:
    """API keys are stored as SHA-256 hex: keys are long random strings, not passwords."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


DEMO_KEY_HASHES = frozenset(key_hash(k) for k in DEMO_KEYS.values())


class AgentConfig(BaseModel):
    key_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    roles: list[str] = Field(default_factory=list)
    attributes: dict[str, str] = Field(default_factory=dict)
