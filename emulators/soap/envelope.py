"""SOAP 1.1/1.2 envelopes for the emulator: a hardened parser, replies and faults."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
CONTENT_TYPES = {SOAP11: "text/xml; charset=utf-8", SOAP12: "application/soap+xml; charset=utf-8"}
MAX_REQUEST_BYTES = 1 << 20
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class SoapFault(Exception):
    """A fault to send back. `sender` says whose fault it is (SOAP 1.1 Client vs Server).

    `code` is the vendor's error code, carried in the detail element `detail_tag` with the
    children `code_tag`/`text_tag` (each vendor spells them its own way). `faultcode`
    overrides the standard code with a QName (WS-Security uses wsse:FailedAuthentication).
    """

    def __init__(self, reason: str, *, sender: bool = True, code: str | None = None,
                 faultcode: etree.QName | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.sender = sender
        self.code = code
        self.faultcode = faultcode


@dataclass(frozen=True)
class FaultDetail:
    """How one vendor spells its fault detail element."""

    tag: etree.QName
    code_tag: etree.QName
    text_tag: etree.QName


@dataclass
class SoapRequest:
    version: str  # the envelope namespace: SOAP11 or SOAP12
    header: etree._Element | None
    payload: etree._Element
    extra: dict[str, str] = field(default_factory=dict)


def hardened_parser() -> etree.XMLParser:
    """No DTDs, no entity expansion, no network, no huge trees: hostile input stays inert."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_pis=True,
                           remove_comments=True)


def parse_request(body: bytes) -> SoapRequest:
    """The envelope's version, header and single body element, or a Sender fault."""
    if len(body) > MAX_REQUEST_BYTES:
        raise SoapFault("request too large")
    # Refused before parsing: a DTD is how billion-laughs and XXE payloads arrive.
    if _DOCTYPE.search(body):
        raise SoapFault("DTDs and entity declarations are not allowed", code="XML_REJECTED")
    try:
        root = etree.fromstring(body, hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise SoapFault(f"malformed XML: {exc.msg}", code="XML_REJECTED") from None
    if root.getroottree().docinfo.doctype:
        raise SoapFault("DTDs are not allowed", code="XML_REJECTED")
    version = etree.QName(root).namespace
    if etree.QName(root).localname != "Envelope" or version not in (SOAP11, SOAP12):
        raise SoapFault("not a SOAP 1.1 or 1.2 Envelope", code="NOT_SOAP")
    assert version is not None
    header = root.find(f"{{{version}}}Header")
    body_el = root.find(f"{{{version}}}Body")
    children = [c for c in body_el if isinstance(c.tag, str)] if body_el is not None else []
    if len(children) != 1:
        raise SoapFault("the SOAP Body must hold exactly one element", code="NOT_SOAP")
    return SoapRequest(version, header, children[0])


def _serialize(envelope: etree._Element) -> bytes:
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="utf-8"))


def reply(version: str, payload: etree._Element) -> bytes:
    env = etree.Element(f"{{{version}}}Envelope", nsmap={"soap": version})
    etree.SubElement(env, f"{{{version}}}Body").append(payload)
    return _serialize(env)


def _detail(parent: etree._Element, tag: str, fault: SoapFault, spec: FaultDetail | None) -> None:
    if fault.code is None or spec is None:
        return
    detail = etree.SubElement(parent, tag)
    info = etree.SubElement(detail, spec.tag)
    etree.SubElement(info, spec.code_tag).text = fault.code
    etree.SubElement(info, spec.text_tag).text = fault.reason


def fault_reply(version: str, fault: SoapFault, spec: FaultDetail | None) -> tuple[int, bytes]:
    """(HTTP status, envelope): 500 for SOAP 1.1; 400 Sender / 500 Receiver for SOAP 1.2."""
    nsmap: dict[str | None, str] = {"soap": version}
    if fault.faultcode is not None and fault.faultcode.namespace:
        nsmap["wsse"] = fault.faultcode.namespace
    env = etree.Element(f"{{{version}}}Envelope", nsmap=nsmap)
    body = etree.SubElement(env, f"{{{version}}}Body")
    node = etree.SubElement(body, f"{{{version}}}Fault")
    if version == SOAP11:
        code = ("wsse:" + fault.faultcode.localname if fault.faultcode is not None
                else "soap:" + ("Client" if fault.sender else "Server"))
        etree.SubElement(node, "faultcode").text = code
        etree.SubElement(node, "faultstring").text = fault.reason
        _detail(node, "detail", fault, spec)
        return 500, _serialize(env)
    code_el = etree.SubElement(node, f"{{{version}}}Code")
    etree.SubElement(code_el, f"{{{version}}}Value").text = (
        "soap:" + ("Sender" if fault.sender else "Receiver"))
    if fault.faultcode is not None:
        sub = etree.SubElement(code_el, f"{{{version}}}Subcode")
        etree.SubElement(sub, f"{{{version}}}Value").text = "wsse:" + fault.faultcode.localname
    reason = etree.SubElement(node, f"{{{version}}}Reason")
    text = etree.SubElement(reason, f"{{{version}}}Text")
    text.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    text.text = fault.reason
    _detail(node, f"{{{version}}}Detail", fault, spec)
    return (400 if fault.sender else 500), _serialize(env)
