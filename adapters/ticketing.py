"""HelpDesk ticketing (SOAP, WS-Security): open support tickets and read them back."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from adapters.kit import Contract
from adapters.kit.soap import SoapTool, XmlText
from canonical import CanonicalModel
from canonical.entities.ticket import TicketV1

SYSTEM = "ticketing"
NOT_FOUND = frozenset({"TICKET_NOT_FOUND"})


def ticket_from_reply(t: dict[str, Any]) -> TicketV1:
    return TicketV1(ticket_id=t["TicketId"], title=t["Title"], description=t["Description"],
                    priority=t["Priority"].lower(), status=t["Status"].lower(),
                    customer_id=t.get("CustomerRef"), created_at=t["CreatedAt"],
                    updated_at=t["UpdatedAt"])


class CreateTicketParams(BaseModel):
    title: XmlText = Field(min_length=1, max_length=120)
    description: XmlText = Field(min_length=1, max_length=4000)
    priority: Literal["low", "medium", "high", "critical"]
    customer_id: str | None = Field(default=None, pattern=r"^C\d{6}$")
    idempotency_key: str = Field(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$",
                                 description="Caller-chosen key; a repeat returns the first ticket")


class CreateSupportTicket(SoapTool[CreateTicketParams]):
    name = "create_support_ticket"
    description = ("Open a help-desk ticket, optionally for a customer. A repeated "
                   "idempotency_key returns the first ticket instead of opening another.")
    Params = CreateTicketParams
    returns = "ticket@1"
    system = SYSTEM
    contract = Contract(
        happy={"title": "Card blocked", "description": "Declined in Madrid",
               "priority": "high", "customer_id": "C000001",
               "idempotency_key": "contract-ticket-0001"},
        no_not_found="opens a ticket: the customer reference is not looked up",
        volatile=("data.ticket_id", "data.created_at", "data.updated_at"))
    cache_ttl_s = 0.0
    idempotent = False
    idempotency_key = "idempotency_key"
    operation = "CreateTicket"

    def build(self, params: CreateTicketParams) -> dict[str, Any]:
        args = {"Title": params.title, "Description": params.description,
                "Priority": params.priority.upper()}
        return {**args, "CustomerRef": params.customer_id} if params.customer_id else args

    def to_canonical(self, reply: Any, params: CreateTicketParams) -> CanonicalModel:
        return ticket_from_reply(reply)


class GetTicketParams(BaseModel):
    ticket_id: str = Field(pattern=r"^TCK-\d{6}$", examples=["TCK-000001"])


class GetTicket(SoapTool[GetTicketParams]):
    name = "get_ticket"
    description = "One help-desk ticket with its current status."
    Params = GetTicketParams
    returns = "ticket@1"
    system = SYSTEM
    contract = Contract(happy={"ticket_id": "TCK-000001"},
                        not_found={"ticket_id": "TCK-999999"})
    cache_ttl_s = 0.0  # status changes under the agent's feet
    operation = "GetTicket"
    not_found_codes = NOT_FOUND

    def build(self, params: GetTicketParams) -> dict[str, Any]:
        return {"TicketId": params.ticket_id}

    def to_canonical(self, reply: Any, params: GetTicketParams) -> CanonicalModel:
        return ticket_from_reply(reply)


TOOLS = [CreateSupportTicket, GetTicket]


def system_config(address: str, username: str = "mainbridge") -> dict[str, Any]:
    """The `ticketing` system's settings; the password is the secret `ticketing.password`."""
    return {"bridge": "soap", "wsdl": "ticketing.wsdl", "address": address,
            "username": username, "password_secret": "ticketing.password", "timeout_s": 5.0}
