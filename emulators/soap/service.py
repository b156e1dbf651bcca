"""What every emulated SOAP service shares: its contract files, XSD validation and dispatch."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from lxml import etree

from emulators.dataset import BankDataset, fixtures_dir
from emulators.soap.envelope import SOAP11, FaultDetail, SoapFault, SoapRequest, hardened_parser

Operation = Callable[[etree._Element], etree._Element]


def soap_dir() -> Path:
    return fixtures_dir() / "soap"


class Service:
    """One WSDL's service. Subclasses set the class facts and map body elements to handlers."""

    wsdl: ClassVar[str]
    xsd: ClassVar[str]
    namespace: ClassVar[str]
    prefix: ClassVar[str]
    fault_detail: ClassVar[FaultDetail]
    invalid_code: ClassVar[str]  # the vendor's code for "your request broke my schema"
    # URL path -> the SOAP envelope version its binding speaks.
    bindings: ClassVar[dict[str, str]]

    def __init__(self, dataset: BankDataset) -> None:
        self.dataset = dataset
        self.latency_s = 0.0
        # Contract drift, as when a vendor upgrade renames an element in its replies without
        # a new WSDL: local name -> the name sent instead.
        self.renamed: dict[str, str] = {}
        schema_doc = etree.parse(str(soap_dir() / self.xsd), hardened_parser())
        self.schema = etree.XMLSchema(schema_doc)

    def operations(self) -> dict[str, Operation]:
        """Local name of the request element -> the handler that answers it."""
        raise NotImplementedError

    def authenticate(self, header: etree._Element | None) -> None:
        """Hook: raise a SoapFault when the request's credentials are not acceptable."""

    # -- helpers for handlers ---------------------------------------------------------------
    def q(self, name: str) -> str:
        return f"{{{self.namespace}}}{name}"

    def el(self, name: str, *children: etree._Element, text: object = None) -> etree._Element:
        node = etree.Element(self.q(self.renamed.get(name, name)),
                             nsmap={self.prefix: self.namespace})
        node.extend(children)
        if text is not None:
            node.text = str(text)
        return node

    def opt(self, name: str, value: object) -> list[etree._Element]:
        """A child only when the value is there: minOccurs=0 elements are left out, not nil."""
        return [] if value is None or value == "" else [self.el(name, text=value)]

    def text(self, parent: etree._Element, name: str) -> str | None:
        node = parent.find(self.q(name))
        return node.text.strip() if node is not None and node.text is not None else None

    def not_found(self, code: str, what: str) -> SoapFault:
        return SoapFault(f"{what} not found", code=code)

    # -- dispatch ---------------------------------------------------------------------------
    async def handle(self, path: str, request: SoapRequest) -> etree._Element:
        if request.version != self.bindings[path]:
            raise SoapFault("this endpoint speaks SOAP "
                            + ("1.1" if self.bindings[path] == SOAP11 else "1.2"),
                            code="VERSION_MISMATCH")
        self.authenticate(request.header)
        payload = request.payload
        operation = self.operations().get(etree.QName(payload).localname)
        if operation is None or etree.QName(payload).namespace != self.namespace:
            raise SoapFault(f"unknown operation {payload.tag}", code=self.invalid_code)
        doc = etree.ElementTree(copy.deepcopy(payload))
        if not self.schema.validate(doc):
            error = self.schema.error_log.last_error
            raise SoapFault(f"invalid request: {error.message if error else 'schema'}",
                            code=self.invalid_code)
        if self.latency_s > 0:
            await asyncio.sleep(self.latency_s)
        return operation(payload)
