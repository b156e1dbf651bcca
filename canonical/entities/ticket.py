"""Ticket: a support case in the help desk."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from canonical.base import AwareDatetime, CanonicalModel, Identifier
from canonical.registry import registry

Priority = Literal["low", "medium", "high", "critical"]
TicketStatus = Literal["new", "open", "pending", "resolved", "closed"]


@registry.register
class TicketV1(CanonicalModel):
    entity = "ticket"
    schema_version = 1

    version: Literal[1] = 1
    ticket_id: Identifier
    title: str = Field(min_length=1, max_length=120)
    description: str = Field(max_length=4000)
    priority: Priority
    status: TicketStatus
    customer_id: Identifier | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime
