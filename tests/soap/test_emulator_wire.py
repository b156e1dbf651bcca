"""The SOAP emulator answers hand-written envelopes over plain HTTP, and refuses hostile XML."""

from __future__ import annotations

import httpx
from lxml import etree

from emulators.soap import SoapEmulator
from tests.soap.hostile import laughs_doctype

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
CRM1 = "http://acme-crm.example/CustomerService/2009"
SCR = "http://screening.example/Sanctions/1.0"


def post(url: str, body: str, content_type: str = "text/xml; charset=utf-8") -> httpx.Response:
    return httpx.post(url, content=body.encode(), headers={"Content-Type": content_type,
                                                           "SOAPAction": '""'}, timeout=10)


def test_get_customer_v1_by_hand(soap_emulator: SoapEmulator) -> None:
    body = f"""<?xml version="1.0"?>
<s:Envelope xmlns:s="{SOAP11}" xmlns:c="{CRM1}">
  <s:Body><c:GetCustomerRequest><c:CustNo>C000001</c:CustNo></c:GetCustomerRequest></s:Body>
</s:Envelope>"""
    reply = post(soap_emulator.url("/crm/v1"), body)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/xml")
    doc = etree.fromstring(reply.content)
    customer = doc.find(f"{{{SOAP11}}}Body/{{{CRM1}}}GetCustomerResponse/{{{CRM1}}}Customer")
    assert customer is not None
    assert customer.findtext(f"{{{CRM1}}}CustName") == "John Doe"
    assert customer.findtext(f"{{{CRM1}}}SegCd") == "R"


def test_soap12_fault_for_sender_error_is_400_with_detail(soap_emulator: SoapEmulator) -> None:
    body = f"""<e:Envelope xmlns:e="{SOAP12}" xmlns:w="{SCR}"><e:Body><w:ScreenPerson>
      <w:FullName>Anyone</w:FullName><w:CountryCode>zz</w:CountryCode></w:ScreenPerson>
    </e:Body></e:Envelope>"""
    reply = post(soap_emulator.url("/sanctions/soap12"), body, "application/soap+xml")
    assert reply.status_code == 400
    assert reply.headers["content-type"].startswith("application/soap+xml")
    doc = etree.fromstring(reply.content)
    assert doc.findtext(f".//{{{SOAP12}}}Code/{{{SOAP12}}}Value") == "soap:Sender"
    assert doc.findtext(f".//{{{SCR}}}ReasonCode") == "INVALID_COUNTRY"


def test_schema_violation_is_a_client_fault(soap_emulator: SoapEmulator) -> None:
    body = f"""<s:Envelope xmlns:s="{SOAP11}" xmlns:c="{CRM1}"><s:Body><c:GetCustomerRequest>
      <c:CustNo>DROP TABLE</c:CustNo></c:GetCustomerRequest></s:Body></s:Envelope>"""
    reply = post(soap_emulator.url("/crm/v1"), body)
    assert reply.status_code == 500
    doc = etree.fromstring(reply.content)
    assert doc.findtext(".//faultcode") == "soap:Client"
    assert doc.findtext(f".//{{{CRM1}}}ErrCd") == "CRM0400"


def test_wrong_soap_version_for_the_binding_is_refused(soap_emulator: SoapEmulator) -> None:
    body = f"""<e:Envelope xmlns:e="{SOAP12}" xmlns:c="{CRM1}"><e:Body><c:GetCustomerRequest>
      <c:CustNo>C000001</c:CustNo></c:GetCustomerRequest></e:Body></e:Envelope>"""
    reply = post(soap_emulator.url("/crm/v1"), body, "application/soap+xml")
    assert reply.status_code == 400
    assert b"VERSION_MISMATCH" in reply.content


def test_billion_laughs_is_refused_without_expansion(soap_emulator: SoapEmulator) -> None:
    body = (f'<?xml version="1.0"?>{laughs_doctype("s:Envelope")}'
            f'<s:Envelope xmlns:s="{SOAP11}" xmlns:c="{CRM1}"><s:Body><c:FindCustomersRequest>'
            f"<c:NameFragment>&l9;</c:NameFragment></c:FindCustomersRequest></s:Body>"
            "</s:Envelope>")
    reply = post(soap_emulator.url("/crm/v1"), body)
    assert reply.status_code == 500
    assert len(reply.content) < 2000
    assert b"XML_REJECTED" in reply.content


def test_xxe_does_not_read_local_files(soap_emulator: SoapEmulator) -> None:
    body = (f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            f'<s:Envelope xmlns:s="{SOAP11}" xmlns:c="{CRM1}"><s:Body><c:FindCustomersRequest>'
            f"<c:NameFragment>&xxe;</c:NameFragment></c:FindCustomersRequest></s:Body>"
            "</s:Envelope>")
    reply = post(soap_emulator.url("/crm/v1"), body)
    assert reply.status_code == 500
    assert b"root:" not in reply.content
    assert b"XML_REJECTED" in reply.content


def test_ticketing_requires_a_username_token(soap_emulator: SoapEmulator) -> None:
    body = f"""<s:Envelope xmlns:s="{SOAP11}" xmlns:t="http://helpdesk.example/Ticketing/v3">
      <s:Body><t:GetTicket><t:TicketId>TCK-000001</t:TicketId></t:GetTicket></s:Body>
    </s:Envelope>"""
    reply = post(soap_emulator.url("/ticketing"), body)
    assert reply.status_code == 500
    assert etree.fromstring(reply.content).findtext(".//faultcode") == "wsse:FailedAuthentication"


def test_wsdl_is_served_and_unknown_paths_are_404(soap_emulator: SoapEmulator) -> None:
    wsdl = httpx.get(soap_emulator.url("/crm/v2?wsdl"), timeout=10)
    assert wsdl.status_code == 200
    assert b"searchCustomers" in wsdl.content
    assert httpx.get(soap_emulator.url("/nowhere"), timeout=10).status_code == 404
