"""Record: one row or record of a legacy table, file or reply, before it has a business name.

What a derived adapter returns until its author maps it onto a business entity (customer,
account...): the values are typed and validated on the way in, and said to come from where
they came from, so an agent never mistakes a raw record for a curated model.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, JsonValue

from canonical.base import CanonicalModel, Identifier
from canonical.registry import registry


@registry.register
class RecordV1(CanonicalModel):
    entity = "record"
    schema_version = 1

    version: Literal[1] = 1
    source: Identifier = Field(description="Where it was read: 'bankdb:ACCTMAST'")
    kind: str = Field(min_length=1, description="The table, record layout or operation name")
    record_id: str | None = Field(default=None, description="Its key, when it has one")
    fields: dict[str, JsonValue] = Field(
        description="The legacy names and values (decimals and dates as strings)")
