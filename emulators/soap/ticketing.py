"""HelpDesk Ticketing v3: stateful tickets behind a WS-Security UsernameToken."""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from lxml import etree

from emulators.dataset import BankDataset
from emulators.soap.envelope import SOAP11, FaultDetail, SoapFault
from emulators.soap.service import Operation, Service

NS = "http://helpdesk.example/Ticketing/v3"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
PLAIN_TEXT_TYPE = (
    "http://docs.oasis-open.org/wss/2004/01/"
    "oasis-200401-wss-username-token-profile-1.0#PasswordText")
FAILED_AUTH = etree.QName(WSSE, "FailedAuthentication")
# Closed is final; anything else may move to any other status.
FINAL = {"CLOSED"}


@dataclass(frozen=True)
class Ticket:
    ticket_id: str
    title: str
    description: str
    priority: str
    status: str
    customer_ref: str | None
    created_at: datetime
    updated_at: datetime


class Ticketing(Service):
    wsdl = "ticketing.wsdl"
    xsd = "ticketing.xsd"
    namespace = NS
    prefix = "tck"
    fault_detail = FaultDetail(etree.QName(NS, "TicketingFault"), etree.QName(NS, "Code"),
                               etree.QName(NS, "Message"))
    invalid_code = "VALIDATION_FAILED"
    bindings = {"/ticketing": SOAP11}

    def __init__(self, dataset: BankDataset, username: str, password: str) -> None:
        super().__init__(dataset)
        self.username = username
        self.password = password
        self.tickets: dict[str, Ticket] = {}
        self._lock = threading.Lock()

    def operations(self) -> dict[str, Operation]:
        return {"CreateTicket": self.create, "GetTicket": self.get,
                "UpdateTicketStatus": self.update}

    def authenticate(self, header: etree._Element | None) -> None:
        token = header.find(f"{{{WSSE}}}Security/{{{WSSE}}}UsernameToken") \
            if header is not None else None
        if token is None:
            raise SoapFault("a WS-Security UsernameToken is required", faultcode=FAILED_AUTH)
        user = token.findtext(f"{{{WSSE}}}Username") or ""
        password_el = token.find(f"{{{WSSE}}}Password")
        kind = password_el.get("Type", PLAIN_TEXT_TYPE) if password_el is not None else ""
        given = (password_el.text or "") if password_el is not None else ""
        # Both compared in constant time, always, so timing tells nothing about which failed.
        user_ok = hmac.compare_digest(user.encode(), self.username.encode())
        password_ok = hmac.compare_digest(given.encode(), self.password.encode())
        if not (kind == PLAIN_TEXT_TYPE and user_ok and password_ok):
            raise SoapFault("the security token could not be authenticated",
                            faultcode=FAILED_AUTH)

    def render(self, t: Ticket) -> etree._Element:
        return self.el(
            "Ticket", self.el("TicketId", text=t.ticket_id), self.el("Title", text=t.title),
            self.el("Description", text=t.description), self.el("Priority", text=t.priority),
            self.el("Status", text=t.status), *self.opt("CustomerRef", t.customer_ref),
            self.el("CreatedAt", text=t.created_at.isoformat()),
            self.el("UpdatedAt", text=t.updated_at.isoformat()))

    def find(self, ticket_id: str | None) -> Ticket:
        ticket = self.tickets.get(ticket_id or "")
        if ticket is None:
            raise self.not_found("TICKET_NOT_FOUND", f"ticket {ticket_id}")
        return ticket

    def create(self, req: etree._Element) -> etree._Element:
        customer = self.text(req, "CustomerRef")
        if customer and customer not in self.dataset.customers_by_id:
            raise SoapFault(f"unknown customer {customer}", code="CUSTOMER_UNKNOWN")
        now = datetime.now(UTC).replace(microsecond=0)
        with self._lock:
            ticket = Ticket(f"TCK-{len(self.tickets) + 1:06d}", self.text(req, "Title") or "",
                            self.text(req, "Description") or "", self.text(req, "Priority") or "",
                            "NEW", customer or None, now, now)
            self.tickets[ticket.ticket_id] = ticket
        return self.el("CreateTicketResponse", self.render(ticket))

    def get(self, req: etree._Element) -> etree._Element:
        return self.el("GetTicketResponse", self.render(self.find(self.text(req, "TicketId"))))

    def update(self, req: etree._Element) -> etree._Element:
        status = self.text(req, "Status") or ""
        with self._lock:
            ticket = self.find(self.text(req, "TicketId"))
            if ticket.status in FINAL and status != ticket.status:
                raise SoapFault(f"ticket {ticket.ticket_id} is closed",
                                code="INVALID_TRANSITION")
            ticket = replace(ticket, status=status,
                             updated_at=datetime.now(UTC).replace(microsecond=0))
            self.tickets[ticket.ticket_id] = ticket
        return self.el("UpdateTicketStatusResponse", self.render(ticket))
