"""The audit log as a legacy-style source: an in-process bridge and the get_audit_trail tool.

Compliance reads the log like any other system, so the call goes through the same pipeline
(policy, audit of the read itself, metrics, traces). Built into the gateway rather than an
adapter because adapters must not import the gateway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, Field

from adapters.kit import Tool, ToolContext, ToolOutput
from bridges.base import BlockingBridge
from canonical.entities.audit import AuditRecordV1
from gateway.audit import AuditLog

SYSTEM = "audit"


@dataclass(frozen=True)
class AuditQuery:
    customer_id: str | None
    agent: str | None
    since: datetime | None
    limit: int


class AuditBridgeSettings(BaseModel):
    """Nothing to configure: the bridge is handed the gateway's own log."""


class AuditBridge(BlockingBridge[AuditQuery, list[dict[str, Any]]]):
    protocol: ClassVar[str] = "sqlite"
    settings_model: ClassVar[type[BaseModel]] = AuditBridgeSettings

    def __init__(self, log: AuditLog, system: str = SYSTEM) -> None:
        super().__init__(system, max_workers=1)
        self.log = log

    def exchange_blocking(self, request: AuditQuery) -> list[dict[str, Any]]:
        return self.log.query(request.customer_id, request.agent, request.since, request.limit)


class AuditTrailParams(BaseModel):
    customer_id: str | None = Field(default=None, pattern=r"^C\d{6}$",
                                    description="Only calls whose arguments name this customer")
    agent: str | None = Field(default=None, min_length=1, max_length=64,
                              description="Only calls made by this agent")
    since: AwareDatetime | None = Field(default=None,
                                        description="Only calls started at or after this time")
    limit: int = Field(default=100, ge=1, le=1000, description="The newest N, oldest first")


class GetAuditTrail(Tool[AuditTrailParams]):
    name = "get_audit_trail"
    description = ("Audited tool calls (agent, tool, masked arguments, decision, outcome, "
                   "latency, trace id, chain hashes), filtered by customer, agent and time.")
    Params = AuditTrailParams
    returns = "audit_record@1"
    many = True
    system = SYSTEM
    cache_ttl_s = 0.0  # compliance reads are always live

    async def run(self, params: AuditTrailParams, ctx: ToolContext) -> ToolOutput:
        rows = await ctx.bridge(SYSTEM).exchange(
            AuditQuery(params.customer_id, params.agent, params.since, params.limit))
        return [AuditRecordV1.model_validate(row) for row in rows]
