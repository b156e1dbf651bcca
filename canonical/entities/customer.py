"""Customer: who a bank's customer is. v2 is how the CRM vendor evolved v1."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from canonical.base import CanonicalModel, Identifier
from canonical.registry import registry

Segment = Literal["retail", "premium", "business"]


@registry.register
class CustomerV1(CanonicalModel):
    entity = "customer"
    schema_version = 1

    version: Literal[1] = 1
    customer_id: Identifier
    name: str = Field(min_length=1, description="Full name as one string, given name first")
    email: str | None = None
    phone: str | None = None
    date_of_birth: date | None = None
    segment: Segment
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")


@registry.register
class CustomerV2(CanonicalModel):
    entity = "customer"
    schema_version = 2

    version: Literal[2] = 2
    customer_id: Identifier
    first_name: str = Field(description="Given name; empty when the person has only one name")
    last_name: str = Field(min_length=1)
    email: str | None = None
    mobile_phone: str | None = Field(default=None, description="Was `phone` in v1")
    date_of_birth: date | None = None
    segment: Segment
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    preferred_language: str | None = Field(
        default=None, pattern=r"^[a-z]{2}$", description="ISO 639-1; new in v2, unknown for v1"
    )


@registry.upcaster("customer", 1, "split name into first_name/last_name at the first space; "
                   "rename phone to mobile_phone; preferred_language unknown")
def customer_v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k not in ("name", "phone")}
    first, _, last = doc["name"].strip().partition(" ")
    out["first_name"], out["last_name"] = (first, last.strip()) if last.strip() else ("", first)
    out["mobile_phone"] = doc.get("phone")
    out["preferred_language"] = None
    return out


class CustomerSummaryV1(CanonicalModel):
    """Search hit: enough to pick a customer, no contact data."""

    entity = "customer_summary"
    schema_version = 1

    version: Literal[1] = 1
    customer_id: Identifier
    display_name: str
    segment: Segment
    country: str = Field(pattern=r"^[A-Z]{2}$")


registry.register(CustomerSummaryV1)
