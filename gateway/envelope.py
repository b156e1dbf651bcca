"""ToolResult: the envelope every tool call answers with (public contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Source(BaseModel):
    system: str
    bridge: str
    fetched_at: datetime
    cached: bool = False
    age_s: float = 0.0


class PartFailure(BaseModel):
    part: str
    type: str
    message: str
    retriable: bool


class ToolResult(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    tool: str
    schema_: str = Field(alias="schema", description="Canonical schema key, e.g. customer@2")
    data: Any = Field(description="One canonical object, or a list of them")
    source: Source
    warnings: list[str] = Field(default_factory=list)
    errors: list[PartFailure] = Field(default_factory=list)
    trace_id: str
