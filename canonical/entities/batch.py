"""Batch files: an entry of a partner's file listing, and the receipt of an outbound batch."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from canonical.base import AwareDatetime, CanonicalModel, Identifier, Money
from canonical.registry import registry


@registry.register
class BatchFileV1(CanonicalModel):
    entity = "batch_file"
    schema_version = 1

    version: Literal[1] = 1
    file_id: Identifier = Field(description="'<partner>/<file name>': pass to "
                                            "get_batch_transactions")
    partner: str
    name: str
    direction: Literal["inbound", "outbound"]
    business_date: date | None = None
    size_bytes: int = Field(ge=0)
    modified_at: AwareDatetime


@registry.register
class BatchSubmissionV1(CanonicalModel):
    entity = "batch_submission"
    schema_version = 1

    version: Literal[1] = 1
    batch_id: Identifier
    file_id: Identifier
    partner: str
    record_count: int = Field(ge=0, description="Payments in the file (trailer count)")
    hash_total: Decimal = Field(description="Sum of all payment amounts, any currency "
                                            "(the trailer's control total)")
    totals: list[Money] = Field(description="Sum of the payments per currency")
    size_bytes: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    submitted_at: AwareDatetime
