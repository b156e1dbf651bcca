"""Legacy change events: what changed on the legacy side, each a versioned canonical model."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from canonical.base import AwareDatetime, CanonicalModel, Identifier
from canonical.entities.batch import BatchFileV1
from canonical.entities.ticket import TicketStatus, TicketV1
from canonical.entities.transaction import TransactionV1
from canonical.registry import registry


@registry.register
class TransactionChangedV1(CanonicalModel):
    """A row of the transaction history was added or changed (its change sequence moved)."""

    entity = "transaction_changed"
    schema_version = 1

    version: Literal[1] = 1
    change_seq: int = Field(ge=1, description="The legacy change counter that moved")
    transaction: TransactionV1 = Field(description="The transaction as it is now")
    detected_at: AwareDatetime


@registry.register
class BatchFileArrivedV1(CanonicalModel):
    """A partner dropped a new settlement file on the SFTP server."""

    entity = "batch_file_arrived"
    schema_version = 1

    version: Literal[1] = 1
    file: BatchFileV1 = Field(description="The file, as list_batch_files shows it")
    detected_at: AwareDatetime


@registry.register
class TicketStatusChangedV1(CanonicalModel):
    """A help-desk ticket moved to another status (or was first seen: no previous status)."""

    entity = "ticket_status_changed"
    schema_version = 1

    version: Literal[1] = 1
    ticket_id: Identifier
    previous_status: TicketStatus | None
    status: TicketStatus
    ticket: TicketV1 = Field(description="The ticket as it is now")
    detected_at: AwareDatetime


class FieldChange(BaseModel):
    """One field of a record, before and after (as text: fields differ in type)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str = Field(min_length=1, max_length=64, description="The canonical field name")
    old: str | None
    new: str | None


@registry.register
class CustomerUpdatedV1(CanonicalModel):
    """A customer's master record changed; only the changed fields are listed."""

    entity = "customer_updated"
    schema_version = 1

    version: Literal[1] = 1
    customer_id: Identifier
    changes: list[FieldChange] = Field(min_length=1)
    detected_at: AwareDatetime
