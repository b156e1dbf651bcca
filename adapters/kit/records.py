"""Raw legacy records as `record@1`: the typed placeholder a derived adapter returns."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import AfterValidator, BaseModel
from pydantic_core import to_jsonable_python

from canonical.entities.record import RecordV1


def scale(places: int) -> AfterValidator:
    """A DECIMAL(p, s) value at its declared scale: drivers disagree ('7.5' vs '7.50')."""
    exponent = Decimal(1).scaleb(-places)
    return AfterValidator(lambda value: value if value is None else value.quantize(exponent))


def to_record(source: str, kind: str, values: BaseModel | dict[str, Any],
              record_id: str | None = None) -> RecordV1:
    """Validated values (a row model, a decoded record, a reply) as one `record@1`."""
    plain = values.model_dump(by_alias=True) if isinstance(values, BaseModel) else values
    return RecordV1(source=source, kind=kind, record_id=record_id, fields=to_jsonable_python(plain))
