"""Tools derived from a WSDL: parameter models and JSON Schema from the XSD, facets kept."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, ValidationError

from adapters.kit import ToolContext
from adapters.kit.soap import WsdlTool
from adapters.ticketing import ticket_from_reply
from bridges.secrets import MemorySecretStore
from bridges.soap import SoapBridge, SoapCall
from bridges.soap_schema import operation_params, wsdl_operations
from canonical import CanonicalModel
from emulators.soap import SoapEmulator


def test_every_operation_of_every_contract_gets_a_model() -> None:
    names = {w: sorted(wsdl_operations(w)) for w in
             ("crm-v1.wsdl", "crm-v2.wsdl", "ticketing.wsdl", "sanctions.wsdl")}
    assert names == {
        "crm-v1.wsdl": ["FindCustomers", "GetCustomer", "GetCustomerPreferences"],
        "crm-v2.wsdl": ["getCustomer", "searchCustomers"],
        "ticketing.wsdl": ["CreateTicket", "GetTicket", "UpdateTicketStatus"],
        "sanctions.wsdl": ["ScreenPerson"]}


def test_json_schema_keeps_enumerations_patterns_lengths_and_optionality() -> None:
    schema = wsdl_operations("ticketing.wsdl")["CreateTicket"].json_schema()
    props = schema["properties"]
    assert props["Priority"]["enum"] == ["LOW", "MEDIUM", "HIGH", "CRITICAL"]
    assert (props["Title"]["minLength"], props["Title"]["maxLength"]) == (1, 120)
    assert schema["required"] == ["Title", "Description", "Priority"]
    assert schema["additionalProperties"] is False
    get = wsdl_operations("crm-v1.wsdl")["GetCustomer"].json_schema()
    assert get["properties"]["CustNo"]["pattern"] == "^(?:C[0-9]{6})$"


def test_derived_model_validates_like_the_xsd() -> None:
    params = operation_params("crm-v1.wsdl", "GetCustomer")
    assert params(CustNo="C000001").model_dump() == {"CustNo": "C000001"}
    for bad in ({"CustNo": "C1"}, {"CustNo": "C000001x"}, {}, {"CustNo": "C000001", "x": 1}):
        with pytest.raises(ValidationError):
            params(**bad)


class UpdateTicketStatus(WsdlTool):
    """An operation exposed as a tool with nothing but a mapping to the canonical model."""

    name = "update_ticket_status"
    description = "Move a ticket to another status."
    wsdl = "ticketing.wsdl"
    operation = "UpdateTicketStatus"
    returns = "ticket@1"
    system = "ticketing"
    idempotent: ClassVar[bool] = False

    def to_canonical(self, reply: Any, params: BaseModel) -> CanonicalModel:
        return ticket_from_reply(reply)


async def test_a_derived_tool_runs_against_the_emulator(soap_emulator: SoapEmulator) -> None:
    assert UpdateTicketStatus.parameters_schema()["properties"]["Status"]["enum"][0] == "NEW"
    bridge = SoapBridge.from_config("ticketing", {
        "wsdl": "ticketing.wsdl", "address": soap_emulator.url("/ticketing"),
        "username": "mainbridge", "password_secret": "ticketing.password"},
        MemorySecretStore({"ticketing.password": soap_emulator.ticketing_password}))
    ctx = ToolContext(bridges={"ticketing": bridge}, trace_id="t", agent="test")
    try:
        created = await bridge.exchange(SoapCall(
            "CreateTicket", {"Title": "t", "Description": "d", "Priority": "LOW"}))
        tool = UpdateTicketStatus()
        params = UpdateTicketStatus.Params(TicketId=created["TicketId"], Status="RESOLVED")
        ticket = await tool.run(params, ctx)
        assert isinstance(ticket, CanonicalModel)
        assert ticket.model_dump()["status"] == "resolved"
    finally:
        await bridge.close()
