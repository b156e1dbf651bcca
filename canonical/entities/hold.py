"""Hold: an amount reserved on an account (it lowers what may be spent, not the ledger)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from canonical.base import AwareDatetime, CanonicalModel, Identifier, Money
from canonical.registry import registry


@registry.register
class HoldV1(CanonicalModel):
    entity = "hold"
    schema_version = 1

    version: Literal[1] = 1
    hold_id: Identifier
    account_id: Identifier
    amount: Money
    reason: str = Field(min_length=1, max_length=200)
    available_after: Money
    placed_at: AwareDatetime
