"""Email delivery: a message the bank handed to its mail relay (the proof an agent keeps)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from canonical.base import AwareDatetime, CanonicalModel, Identifier
from canonical.registry import registry


@registry.register
class EmailDeliveryV1(CanonicalModel):
    entity = "email_delivery"
    schema_version = 1

    version: Literal[1] = 1
    message_id: str = Field(min_length=3, max_length=255, description="The RFC 5322 Message-ID")
    recipient: str = Field(min_length=3, max_length=254)
    subject: str = Field(max_length=200)
    customer_id: Identifier | None = None
    product_code: Identifier | None = None
    attempts: int = Field(ge=1, description="Deliveries tried, the last one accepted")
    sent_at: AwareDatetime
