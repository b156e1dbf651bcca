"""Sanctions screening: the verdict on one person, with every watchlist entry that came close."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from canonical.base import AwareDatetime, CanonicalModel, Identifier
from canonical.registry import registry


class SanctionsHit(BaseModel):
    """One watchlist entry resembling the screened person; `score` 1 is an exact match."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    entry_id: Identifier
    list_name: str = Field(description="The sanctions list, e.g. OFAC-SDN")
    matched_name: str
    score: Decimal = Field(ge=0, le=1, description="Similarity 0..1 as the engine rates it")
    country: str = Field(pattern=r"^[A-Z]{2}$")
    birth_date: date | None = None


@registry.register
class SanctionsResultV1(CanonicalModel):
    entity = "sanctions_result"
    schema_version = 1

    version: Literal[1] = 1
    screening_id: Identifier
    screened_name: str
    country: str = Field(pattern=r"^[A-Z]{2}$")
    birth_date: date | None = None
    verdict: Literal["clear", "potential_match", "match"]
    hits: tuple[SanctionsHit, ...] = ()
    screened_at: AwareDatetime
