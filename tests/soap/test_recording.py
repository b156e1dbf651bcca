"""Recording through the zeep plugin into the shared cassette format, and offline replay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bridges.recording import ReplayMiss
from bridges.secrets import MemorySecretStore
from bridges.soap import SoapBridge, SoapCall
from emulators.soap import SoapEmulator


def ticketing(address: str, mode: str, cassette: Path, password: str = "") -> SoapBridge:
    return SoapBridge.from_config("ticketing", {
        "wsdl": "ticketing.wsdl", "address": address, "username": "mainbridge",
        "password_secret": "ticketing.password", "mode": mode, "cassette": str(cassette)},
        MemorySecretStore({"ticketing.password": password} if password else {}))


async def test_record_then_replay_without_server_or_secret(
        soap_emulator: SoapEmulator, tmp_path: Path) -> None:
    cassette = tmp_path / "ticketing.json"
    live = ticketing(soap_emulator.url("/ticketing"), "record", cassette,
                     soap_emulator.ticketing_password)
    created = await live.exchange(SoapCall("CreateTicket", {
        "Title": "Recorded", "Description": "for replay", "Priority": "LOW"}))
    read = await live.exchange(SoapCall("GetTicket", {"TicketId": created["TicketId"]}))
    await live.close()

    text = cassette.read_text()
    assert soap_emulator.ticketing_password not in text
    data = json.loads(text)
    assert data["format"] == "mainbridge-cassette/1" and data["protocol"] == "soap"
    assert [i["request"]["body"] for i in data["interactions"]] == ["CreateTicket", "GetTicket"]

    offline = ticketing("http://127.0.0.1:9/unreachable", "replay", cassette)
    try:
        again = await offline.exchange(SoapCall("GetTicket", {"TicketId": created["TicketId"]}))
        assert again == read
        with pytest.raises(ReplayMiss):
            await offline.exchange(SoapCall("GetTicket", {"TicketId": "TCK-999998"}))
    finally:
        await offline.close()


async def test_recorded_faults_replay_as_faults(soap_emulator: SoapEmulator,
                                                tmp_path: Path) -> None:
    from bridges.errors import RemoteFault

    cassette = tmp_path / "fault.json"
    live = ticketing(soap_emulator.url("/ticketing"), "record", cassette,
                     soap_emulator.ticketing_password)
    with pytest.raises(RemoteFault):
        await live.exchange(SoapCall("GetTicket", {"TicketId": "TCK-999997"}))
    await live.close()
    offline = ticketing("http://127.0.0.1:9/", "replay", cassette)
    try:
        with pytest.raises(RemoteFault) as caught:
            await offline.exchange(SoapCall("GetTicket", {"TicketId": "TCK-999997"}))
        assert caught.value.code == "TICKET_NOT_FOUND"
    finally:
        await offline.close()


def test_record_mode_needs_a_cassette() -> None:
    from bridges.errors import ConfigError

    with pytest.raises(ConfigError):
        SoapBridge.from_config("crm", {"wsdl": "crm-v2.wsdl", "mode": "record"},
                               MemorySecretStore())


def test_gateway_replay_equals_live(soap_emulator: SoapEmulator, tmp_path: Path,
                                    roles: dict[str, list[str]]) -> None:
    """Record CRM v1 calls through a gateway, then answer the same calls with no CRM at all."""
    from adapters import crm
    from tests.support.servers import serve_gateway

    cassette = tmp_path / "crm.json"
    live_config = {**crm.system_config(soap_emulator.url("/crm/v1"), "v1"),
                   "mode": "record", "cassette": str(cassette)}
    calls = [("get_customer_info", {"customer_id": "C000007"}),
             ("find_customer", {"name": "doe"})]
    with serve_gateway({"crm": live_config}, roles) as live, live.client("support") as client:
        recorded = [client.post(f"/tools/{tool}", json=args).json()["data"]
                    for tool, args in calls]
    assert cassette.is_file()
    offline = {**live_config, "mode": "replay", "address": "http://127.0.0.1:9/gone"}
    with serve_gateway({"crm": offline}, roles) as replay, replay.client("support") as client:
        replayed = [client.post(f"/tools/{tool}", json=args).json()["data"]
                    for tool, args in calls]
    assert replayed == recorded
    assert recorded[0]["customer_id"] == "C000007"
