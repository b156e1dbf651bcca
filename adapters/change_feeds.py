"""Change feeds: transactions and customers (ODBC), settlement files (SFTP), tickets (SOAP).

TXNHIST.CHG_SEQ is bumped on every insert or update, as a DB2 shop's replication column
would be; that feed reads rows above the last counter it saw, in counter order. The SFTP
server has no change log at all: that feed compares listings with the names it has seen.
The help desk only answers GetTicket: that feed re-reads the tickets not yet closed and
probes the next sequential ticket numbers for new ones. CUSTMAST has no change column: that
feed compares a snapshot of the table with the last one and lists the fields that differ.
"""

from __future__ import annotations

import json
from typing import Any

from adapters.core_transactions import SYSTEM, TXN_COLUMNS, TXN_SELECT, transaction_from_row
from adapters.kit import Tool, ToolContext
from adapters.kit.feed import ChangeFeed, FeedEvent
from adapters.kit.sql import fetch_rows
from adapters.products import SEGMENTS
from adapters.settlements.files import SYSTEM as SETTLEMENTS
from adapters.settlements.tools import ListBatchFiles, ListBatchFilesParams
from adapters.ticketing import GetTicket, GetTicketParams
from bridges.errors import NotFound
from bridges.odbc import ColumnType, Statement
from canonical.entities.batch import BatchFileV1
from canonical.entities.events import (
    BatchFileArrivedV1,
    CustomerUpdatedV1,
    FieldChange,
    TicketStatusChangedV1,
    TransactionChangedV1,
)
from canonical.entities.ticket import TicketV1

BATCH = 500
LAST_CHANGE = Statement("SELECT MAX(CHG_SEQ) AS LAST_SEQ FROM TXNHIST",
                        {"LAST_SEQ": ColumnType.INTEGER})
CHANGED = Statement(
    TXN_SELECT.replace("SELECT ", "SELECT t.CHG_SEQ, ", 1)
    + "WHERE t.CHG_SEQ > ? ORDER BY t.CHG_SEQ", {**TXN_COLUMNS, "CHG_SEQ": ColumnType.INTEGER})


class TransactionChanges(ChangeFeed):
    name = "bankdb.transactions"
    event = "transaction_changed@1"
    system = SYSTEM
    visible_with = "get_recent_transactions"

    async def poll(self, position: str | None, ctx: ToolContext) -> (
        tuple[list[FeedEvent], str | None]
    ):
        if position is None:
            rows = await fetch_rows(ctx, SYSTEM, LAST_CHANGE, ())
            return [], str(rows[0]["LAST_SEQ"] or 0)
        rows = await fetch_rows(ctx, SYSTEM, CHANGED, (int(position),), BATCH)
        events = [FeedEvent(key=f"{self.name}:{row['CHG_SEQ']}", data=TransactionChangedV1(
            change_seq=row["CHG_SEQ"], transaction=transaction_from_row(row),
            detected_at=ctx.now())) for row in rows]
        return events, str(rows[-1]["CHG_SEQ"]) if rows else position


class BatchFileArrivals(ChangeFeed):
    name = "settlements.inbound"
    event = "batch_file_arrived@1"
    system = SETTLEMENTS
    visible_with = "list_batch_files"

    async def poll(self, position: str | None, ctx: ToolContext) -> (
        tuple[list[FeedEvent], str | None]
    ):
        listed = await ListBatchFiles().run(ListBatchFilesParams(), ctx)
        files = [f for f in listed if isinstance(f, BatchFileV1) and f.direction == "inbound"]
        seen = set(json.loads(position)) if position is not None else None
        events = [] if seen is None else [
            FeedEvent(key=f"{self.name}:{f.file_id}",
                      data=BatchFileArrivedV1(file=f, detected_at=ctx.now()))
            for f in sorted(files, key=lambda f: (f.modified_at, f.file_id))
            if f.file_id not in seen]
        # Names still listed: a partner's cleanup does not grow the position forever.
        return events, json.dumps(sorted(f.file_id for f in files))


class TicketStatusChanges(ChangeFeed):
    name = "ticketing.status"
    event = "ticket_status_changed@1"
    system = "ticketing"
    visible_with = "get_ticket"
    probe_limit = 50  # new tickets looked for per poll

    async def ticket(self, number: int | str, ctx: ToolContext) -> TicketV1 | None:
        ticket_id = number if isinstance(number, str) else f"TCK-{number:06d}"
        try:
            found = await GetTicket().run(GetTicketParams(ticket_id=ticket_id), ctx)
        except NotFound:
            return None
        assert isinstance(found, TicketV1)
        return found

    async def poll(self, position: str | None, ctx: ToolContext) -> (
        tuple[list[FeedEvent], str | None]
    ):
        state: dict[str, Any] = json.loads(position) if position else {"next": 1, "open": {}}
        watched: dict[str, str] = state["open"]
        seen: list[tuple[str | None, TicketV1]] = []
        for ticket_id, status in sorted(watched.items()):
            now = await self.ticket(ticket_id, ctx)
            if now is not None and now.status != status:
                seen.append((status, now))
        for _ in range(self.probe_limit):
            new = await self.ticket(state["next"], ctx)
            if new is None:
                break
            state["next"] += 1
            seen.append((None, new))
        for _, ticket in seen:
            watched[ticket.ticket_id] = ticket.status
            if ticket.status == "closed":
                del watched[ticket.ticket_id]  # closed is final on this help desk
        events = [] if position is None else [FeedEvent(
            key=f"{self.name}:{t.ticket_id}:{t.status}:{t.updated_at.isoformat()}",
            data=TicketStatusChangedV1(ticket_id=t.ticket_id, previous_status=before,
                                       status=t.status, ticket=t, detected_at=ctx.now()))
            for before, t in seen]
        return events, json.dumps(state, sort_keys=True)


CUSTOMERS = Statement(
    "SELECT CUST_ID, CUST_FNAME, CUST_LNAME, SEG_CD, CNTRY_CD, BIRTH_DT FROM CUSTMAST "
    "ORDER BY CUST_ID", {"CUST_ID": ColumnType.CHAR, "CUST_FNAME": ColumnType.CHAR,
                         "CUST_LNAME": ColumnType.CHAR, "SEG_CD": ColumnType.CHAR,
                         "CNTRY_CD": ColumnType.CHAR, "BIRTH_DT": ColumnType.YYYYMMDD})
# Legacy column -> canonical field (customer@2's names) and how its value reads as text.
CUSTOMER_FIELDS: dict[str, tuple[str, Any]] = {
    "CUST_FNAME": ("first_name", str), "CUST_LNAME": ("last_name", str),
    "SEG_CD": ("segment", SEGMENTS.get), "CNTRY_CD": ("country", str),
    "BIRTH_DT": ("date_of_birth", lambda d: d.isoformat()),
}


class CustomerUpdates(ChangeFeed):
    name = "bankdb.customers"
    event = "customer_updated@1"
    system = SYSTEM
    visible_with = "get_customer_info"

    async def poll(self, position: str | None, ctx: ToolContext) -> (
        tuple[list[FeedEvent], str | None]
    ):
        rows = await fetch_rows(ctx, SYSTEM, CUSTOMERS, ())
        snapshot = {row["CUST_ID"]: {field: None if row[col] is None else text(row[col])
                                     for col, (field, text) in CUSTOMER_FIELDS.items()}
                    for row in rows}
        last = json.loads(position) if position else None
        events: list[FeedEvent] = []
        # The generation numbers event keys, so every replica reading the same position
        # names the same change alike, and a value flipping back and forth is never merged.
        generation = last["generation"] + 1 if last else 0
        for customer_id, now in snapshot.items() if last else ():
            before = last["rows"].get(customer_id, {}) if last else {}
            changes = [FieldChange(field=f, old=before.get(f), new=v)
                       for f, v in now.items() if before.get(f) != v]
            if changes:
                events.append(FeedEvent(
                    key=f"{self.name}:{generation}:{customer_id}",
                    data=CustomerUpdatedV1(customer_id=customer_id, changes=changes,
                                           detected_at=ctx.now())))
        if last and not events:
            return [], position  # nothing changed: keep the position (and its generation)
        return events, json.dumps({"generation": generation, "rows": snapshot},
                                  sort_keys=True)


TOOLS: list[type[Tool[Any]]] = []  # this module only declares feeds
FEEDS: list[type[ChangeFeed]] = [TransactionChanges, BatchFileArrivals, TicketStatusChanges,
                                 CustomerUpdates]
