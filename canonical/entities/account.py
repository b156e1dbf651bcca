"""Account: a customer's account as the core system knows it."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from canonical.base import CanonicalModel, Identifier
from canonical.registry import registry


@registry.register
class AccountV1(CanonicalModel):
    entity = "account"
    schema_version = 1

    version: Literal[1] = 1
    account_id: Identifier
    customer_id: Identifier
    account_type: Literal["checking", "savings", "loan", "card"]
    product_code: str | None = None
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    status: Literal["open", "closed", "blocked"]
    opened_on: date
