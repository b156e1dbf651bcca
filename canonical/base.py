"""Building blocks every canonical model shares: the frozen base model and Money."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from canonical.currencies import ISO_4217


class CanonicalModel(BaseModel):
    """A versioned business entity: immutable, and strict about unknown fields.

    `entity` and `version` are class-level facts read by the registry; each concrete model also
    carries `version: Literal[N]` as data so that a stored document says what it is.
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_serialization_defaults_required=True
    )

    entity: ClassVar[str] = ""
    schema_version: ClassVar[int] = 0

    @classmethod
    def key(cls) -> str:
        return f"{cls.entity}@{cls.schema_version}"


def _require_timezone(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_require_timezone)]
"""A datetime that refuses naive values: legacy systems disagree on time zones, we do not."""

Identifier = Annotated[str, Field(min_length=1, max_length=64)]
"""Identifiers are strings, never numbers: leading zeros in account numbers are significant."""


class Money(BaseModel):
    """An exact amount in one ISO 4217 currency. Never a float."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: Decimal = Field(allow_inf_nan=False)
    currency: str = Field(pattern=r"^[A-Z]{3}$")

    @field_validator("amount", mode="before")
    @classmethod
    def _no_floats(cls, value: object) -> object:
        if isinstance(value, float):
            raise ValueError("money amounts must be Decimal or string, never float")
        return value

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if value not in ISO_4217:
            raise ValueError(f"unknown ISO 4217 currency code: {value}")
        return value

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def __neg__(self) -> Money:
        return Money(amount=-self.amount, currency=self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(amount=Decimal("0.00"), currency=currency)
