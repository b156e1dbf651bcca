"""Balance: what is on an account now, and what may be spent."""

from __future__ import annotations

from typing import Literal

from canonical.base import AwareDatetime, CanonicalModel, Identifier, Money
from canonical.registry import registry


@registry.register
class BalanceV1(CanonicalModel):
    entity = "balance"
    schema_version = 1

    version: Literal[1] = 1
    account_id: Identifier
    ledger: Money
    available: Money
    holds: Money
    as_of: AwareDatetime
