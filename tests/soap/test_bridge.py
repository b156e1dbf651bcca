"""zeep against the emulator over a real wire: calls, faults, injected failures, hardening."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bridges.errors import (
    AuthError,
    BridgeTimeout,
    ConfigError,
    ConnectError,
    ProtocolError,
    RemoteFault,
)
from bridges.secrets import MemorySecretStore
from bridges.soap import SoapBridge, SoapCall
from emulators.soap import Faults, SoapEmulator
from tests.soap.hostile import FixedReply, laughs_doctype
from tests.support.servers import ServedApp

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
CRM2 = "http://acme-crm.example/CustomerService/2016"


def crm_bridge(address: str, version: str = "v2", **extra: object) -> SoapBridge:
    return SoapBridge.from_config("crm", {"wsdl": f"crm-{version}.wsdl", "address": address,
                                          "timeout_s": 2.0, **extra}, MemorySecretStore())


@pytest.fixture
async def crm_v2(soap_emulator: SoapEmulator) -> AsyncIterator[SoapBridge]:
    bridge = crm_bridge(soap_emulator.url("/crm/v2"))
    await bridge.open()
    yield bridge
    await bridge.close()


async def test_v1_and_v2_contracts_describe_the_same_customer(
        soap_emulator: SoapEmulator, crm_v2: SoapBridge) -> None:
    v1 = crm_bridge(soap_emulator.url("/crm/v1"), "v1")
    try:
        old = await v1.exchange(SoapCall("GetCustomer", {"CustNo": "C000001"}))
    finally:
        await v1.close()
    new = await crm_v2.exchange(SoapCall("getCustomer", {"customerNumber": "C000001"}))
    assert old["CustName"] == "John Doe" and old["SegCd"] == "R"
    assert new["personName"] == {"givenName": "John", "familyName": "Doe"}
    assert new["segment"] == "RETAIL" and new["preferredLanguage"] == "en"
    assert old["PhoneNo"] == new["contact"]["mobilePhone"]


async def test_client_is_built_once_and_reused(crm_v2: SoapBridge) -> None:
    first = crm_v2.service()
    await crm_v2.exchange(SoapCall("searchCustomers", {"nameContains": "doe"}))
    assert crm_v2.service() is first


async def test_fault_keeps_vendor_code_and_detail(crm_v2: SoapBridge) -> None:
    with pytest.raises(RemoteFault) as caught:
        await crm_v2.exchange(SoapCall("getCustomer", {"customerNumber": "C999999"}))
    assert caught.value.code == "CUSTOMER_NOT_FOUND"
    assert caught.value.detail["faultcode"] == "soap:Client"
    assert "C999999" in caught.value.detail["errorMessage"]


async def test_soap12_binding(soap_emulator: SoapEmulator) -> None:
    bridge = SoapBridge.from_config("sanctions", {
        "wsdl": "sanctions.wsdl", "address": soap_emulator.url("/sanctions/soap12"),
        "binding": "SanctionsScreeningSoap12"}, MemorySecretStore())
    try:
        reply = await bridge.exchange(SoapCall("ScreenPerson", {"FullName": "Viktor Draganov",
                                                                "CountryCode": "RU"}))
        assert reply["Verdict"] == "MATCH"
        with pytest.raises(RemoteFault) as caught:
            await bridge.exchange(SoapCall("ScreenPerson", {"FullName": "X Y",
                                                            "CountryCode": "r1"}))
        assert caught.value.code == "INVALID_COUNTRY"
    finally:
        await bridge.close()


async def test_wrong_password_is_an_auth_error_and_never_echoed(
        soap_emulator: SoapEmulator) -> None:
    bridge = SoapBridge.from_config("ticketing", {
        "wsdl": "ticketing.wsdl", "address": soap_emulator.url("/ticketing"),
        "username": "mainbridge", "password_secret": "ticketing.password"},
        MemorySecretStore({"ticketing.password": "not-the-password"}))
    try:
        with pytest.raises(AuthError) as caught:
            await bridge.exchange(SoapCall("GetTicket", {"TicketId": "TCK-000001"}))
        assert "not-the-password" not in str(caught.value) + str(caught.value.detail)
    finally:
        await bridge.close()


async def test_missing_secret_is_a_config_error(soap_emulator: SoapEmulator) -> None:
    bridge = SoapBridge.from_config("ticketing", {
        "wsdl": "ticketing.wsdl", "address": soap_emulator.url("/ticketing"),
        "username": "mainbridge", "password_secret": "ticketing.password"}, MemorySecretStore())
    try:
        with pytest.raises(ConfigError):
            await bridge.open()
    finally:
        await bridge.close()


@pytest.mark.parametrize(("failure", "error"), [
    ("http500", ProtocolError), ("malformed", ProtocolError), ("truncated", ProtocolError),
    ("reset", ConnectError)])
async def test_injected_wire_faults_map_to_the_error_tree(
        faults: SoapEmulator, crm_v2: SoapBridge, failure: str,
        error: type[Exception]) -> None:
    faults.faults = Faults(failure=failure, paths=("/crm/v2",))  # type: ignore[arg-type]
    with pytest.raises(error) as caught:
        await crm_v2.exchange(SoapCall("getCustomer", {"customerNumber": "C000001"}))
    assert not isinstance(caught.value, RemoteFault)
    faults.faults = Faults()
    reply = await crm_v2.exchange(SoapCall("getCustomer", {"customerNumber": "C000001"}))
    assert reply["customerNumber"] == "C000001"  # the pool recovers after the fault


async def test_latency_beyond_the_call_timeout_is_a_timeout(
        faults: SoapEmulator, crm_v2: SoapBridge) -> None:
    faults.faults = Faults(latency_s=1.0, paths=("/crm/v2",))
    with pytest.raises(BridgeTimeout):
        await crm_v2.exchange(SoapCall("getCustomer", {"customerNumber": "C000001"},
                                       timeout_s=0.2))


async def test_unknown_operation_is_a_config_error(crm_v2: SoapBridge) -> None:
    with pytest.raises(ConfigError):
        await crm_v2.exchange(SoapCall("DropDatabase", {}))


# -- hostile replies and contracts ------------------------------------------------------------
@pytest.fixture(scope="module")
def hostile() -> Iterator[tuple[ServedApp, FixedReply]]:
    app = FixedReply()
    with ServedApp(app) as served:
        yield served, app


def _reply(inner: str, doctype: str = "") -> bytes:
    return (f'<?xml version="1.0"?>{doctype}<s:Envelope xmlns:s="{SOAP11}" xmlns:c="{CRM2}">'
            f"<s:Body><c:searchCustomersResponse>{inner}</c:searchCustomersResponse></s:Body>"
            "</s:Envelope>").encode()


async def test_billion_laughs_reply_is_refused(hostile: tuple[ServedApp, FixedReply]) -> None:
    served, app = hostile
    app.body = _reply("<c:x>&l9;</c:x>", laughs_doctype("s:Envelope"))
    bridge = crm_bridge(served.url + "/crm")
    try:
        with pytest.raises(ProtocolError):  # unparseable or DTD refused: never expanded
            await bridge.exchange(SoapCall("searchCustomers", {"nameContains": "x"}))
    finally:
        await bridge.close()


async def test_xxe_reply_is_refused(hostile: tuple[ServedApp, FixedReply]) -> None:
    served, app = hostile
    app.body = _reply("<c:x>&xxe;</c:x>",
                      '<!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
    bridge = crm_bridge(served.url + "/crm")
    try:
        with pytest.raises(ProtocolError) as caught:
            await bridge.exchange(SoapCall("searchCustomers", {"nameContains": "x"}))
        assert "root:" not in str(caught.value)
    finally:
        await bridge.close()


async def test_oversized_reply_is_refused(hostile: tuple[ServedApp, FixedReply]) -> None:
    served, app = hostile
    app.body = _reply("<c:customer>" + "A" * 300_000 + "</c:customer>")
    bridge = crm_bridge(served.url + "/crm", max_response_bytes=64 * 1024)
    try:
        with pytest.raises(ProtocolError, match="larger than"):
            await bridge.exchange(SoapCall("searchCustomers", {"nameContains": "x"}))
    finally:
        await bridge.close()


def _wsdl_importing(tmp_path: Path, location: str) -> Path:
    source = (Path(__file__).parents[2] / "fixtures" / "soap" / "crm-v2.wsdl").read_text()
    path = tmp_path / "evil.wsdl"
    path.write_text(source.replace('schemaLocation="crm-v2.xsd"',
                                   f'schemaLocation="{location}"'))
    return path


@pytest.mark.parametrize("location", ["http://169.254.169.254/latest/meta-data.xsd",
                                      "/etc/passwd", "../../../etc/passwd"])
async def test_imports_outside_allowed_places_are_refused(tmp_path: Path, location: str) -> None:
    bridge = SoapBridge.from_config("crm", {"wsdl": str(_wsdl_importing(tmp_path, location)),
                                            "address": "http://127.0.0.1:9/x"},
                                    MemorySecretStore())
    try:
        with pytest.raises(ConfigError, match="refusing to load"):
            await bridge.open()
    finally:
        await bridge.close()


async def test_import_from_an_allowed_host_loads(tmp_path: Path,
                                                 hostile: tuple[ServedApp, FixedReply]) -> None:
    served, app = hostile
    app.body = (Path(__file__).parents[2] / "fixtures" / "soap" / "crm-v2.xsd").read_bytes()
    wsdl = _wsdl_importing(tmp_path, served.url + "/crm-v2.xsd")
    bridge = SoapBridge.from_config("crm", {"wsdl": str(wsdl), "address": "http://127.0.0.1:9/",
                                            "allowed_hosts": ["127.0.0.1"]}, MemorySecretStore())
    try:
        await bridge.open()
        assert "getCustomer" in dir(bridge.service())
    finally:
        await bridge.close()


async def test_contract_with_a_dtd_is_refused(tmp_path: Path) -> None:
    wsdl = tmp_path / "dtd.wsdl"
    wsdl.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                    '<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/">&e;'
                    "</wsdl:definitions>")
    bridge = SoapBridge.from_config("crm", {"wsdl": str(wsdl)}, MemorySecretStore())
    try:
        with pytest.raises(ConfigError):
            await bridge.open()
    finally:
        await bridge.close()
