"""Audit record: one tool call as the gateway's hash-chained audit log keeps it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from canonical.base import AwareDatetime, CanonicalModel, Identifier
from canonical.registry import registry

Sha256Hex = Field(pattern=r"^[0-9a-f]{64}$")


@registry.register
class AuditRecordV1(CanonicalModel):
    """`arguments` are masked as stored: secrets "***", personal data `pd:<keyed hash>`."""

    entity = "audit_record"
    schema_version = 1

    version: Literal[1] = 1
    seq: int = Field(ge=0, description="Position in the chain, from 0")
    started_at: AwareDatetime
    trace_id: str
    agent: Identifier
    on_behalf_of: str | None = None
    tool: str
    system: str | None = Field(default=None, description="None when the tool is unknown")
    arguments: dict[str, Any]
    decision: Literal["allow", "deny"]
    reason: str
    outcome: Literal["ok", "error"]
    status: int = Field(ge=100, le=599)
    error_type: str | None = None
    latency_ms: float = Field(ge=0)
    cached: bool
    prev_hash: str = Sha256Hex
    hash: str = Sha256Hex
