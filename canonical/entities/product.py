"""Product and price: what the bank sells, and what it costs one customer right now."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from canonical.base import AwareDatetime, CanonicalModel, Identifier, Money
from canonical.registry import registry

Category = Literal["account", "savings", "loan", "card", "insurance"]


@registry.register
class ProductV1(CanonicalModel):
    entity = "product"
    schema_version = 1

    version: Literal[1] = 1
    product_code: Identifier
    name: str
    category: Category
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    description: str = ""
    active: bool


@registry.register
class PriceV1(CanonicalModel):
    entity = "price"
    schema_version = 1

    version: Literal[1] = 1
    product_code: Identifier
    customer_id: Identifier | None = None
    segment: str | None = Field(default=None, description="The segment the quote applies to")
    interest_rate_pct: Decimal | None = Field(default=None, description="Yearly, in percent")
    monthly_fee: Money | None = None
    setup_fee: Money | None = None
    discount_pct: Decimal = Field(default=Decimal("0"), ge=0, le=100)
    quoted_at: AwareDatetime
