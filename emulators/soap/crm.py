"""ACME CRM CustomerService, as the vendor shipped it in 2009 (v1) and in 2016 (v2)."""

from __future__ import annotations

from lxml import etree

from emulators.dataset import Row
from emulators.soap.envelope import SOAP11, FaultDetail, SoapFault
from emulators.soap.service import Operation, Service

V1 = "http://acme-crm.example/CustomerService/2009"
V2 = "http://acme-crm.example/CustomerService/2016"
SEGMENT_CODES = {"retail": "R", "premium": "P", "business": "B"}
MAX_ROWS = 100


class CrmService(Service):
    """Both versions read the same customers; only the contract differs."""

    def customer(self, customer_id: str | None, code: str) -> Row:
        row = self.dataset.customers_by_id.get(customer_id or "")
        if row is None:
            raise self.not_found(code, f"customer {customer_id}")
        return row

    def search(self, fragment: str, max_rows: str | None) -> list[Row]:
        needle = fragment.casefold()
        limit = min(int(max_rows), MAX_ROWS) if max_rows else 25
        if limit < 1:
            raise SoapFault("max rows must be positive", code=self.invalid_code)
        hits = [c for c in self.dataset.customers
                if needle in f"{c['first_name']} {c['last_name']}".casefold()]
        return hits[:limit]


class CrmV1(CrmService):
    wsdl = "crm-v1.wsdl"
    xsd = "crm-v1.xsd"
    namespace = V1
    prefix = "cus"
    fault_detail = FaultDetail(etree.QName(V1, "ServiceFault"), etree.QName(V1, "ErrCd"),
                               etree.QName(V1, "ErrText"))
    invalid_code = "CRM0400"
    bindings = {"/crm/v1": SOAP11}

    def operations(self) -> dict[str, Operation]:
        return {"GetCustomerRequest": self.get_customer, "FindCustomersRequest": self.find,
                "GetCustomerPreferencesRequest": self.preferences}

    def record(self, c: Row) -> etree._Element:
        return self.el(
            "Customer", self.el("CustNo", text=c["customer_id"]),
            self.el("CustName", text=f"{c['first_name']} {c['last_name']}"),
            *self.opt("EmailAddr", c.get("email")), *self.opt("PhoneNo", c.get("phone")),
            *self.opt("BirthDt", c.get("date_of_birth")),
            self.el("SegCd", text=SEGMENT_CODES[c["segment"]]),
            self.el("CtryCd", text=c["country"]))

    def get_customer(self, req: etree._Element) -> etree._Element:
        return self.el("GetCustomerResponse",
                       self.record(self.customer(self.text(req, "CustNo"), "CRM0404")))

    def find(self, req: etree._Element) -> etree._Element:
        hits = self.search(self.text(req, "NameFragment") or "", self.text(req, "MaxRows"))
        return self.el("FindCustomersResponse", *(self.record(c) for c in hits))

    def preferences(self, req: etree._Element) -> etree._Element:
        c = self.customer(self.text(req, "CustNo"), "CRM0404")
        # The 2009 system stored language codes upper-case.
        return self.el("GetCustomerPreferencesResponse", self.el("CustNo", text=c["customer_id"]),
                       *self.opt("LangCd", (c.get("preferred_language") or "").upper()))


class CrmV2(CrmService):
    wsdl = "crm-v2.wsdl"
    xsd = "crm-v2.xsd"
    namespace = V2
    prefix = "crm"
    fault_detail = FaultDetail(etree.QName(V2, "serviceFault"), etree.QName(V2, "errorCode"),
                               etree.QName(V2, "errorMessage"))
    invalid_code = "INVALID_REQUEST"
    bindings = {"/crm/v2": SOAP11}

    def operations(self) -> dict[str, Operation]:
        return {"getCustomer": self.get_customer, "searchCustomers": self.find}

    def record(self, c: Row) -> etree._Element:
        return self.el(
            "customer", self.el("customerNumber", text=c["customer_id"]),
            self.el("personName", self.el("givenName", text=c["first_name"]),
                    self.el("familyName", text=c["last_name"])),
            self.el("contact", *self.opt("emailAddress", c.get("email")),
                    *self.opt("mobilePhone", c.get("phone"))),
            *self.opt("dateOfBirth", c.get("date_of_birth")),
            self.el("segment", text=c["segment"].upper()),
            self.el("countryCode", text=c["country"]),
            *self.opt("preferredLanguage", c.get("preferred_language")))

    def get_customer(self, req: etree._Element) -> etree._Element:
        row = self.customer(self.text(req, "customerNumber"), "CUSTOMER_NOT_FOUND")
        return self.el("getCustomerResponse", self.record(row))

    def find(self, req: etree._Element) -> etree._Element:
        hits = self.search(self.text(req, "nameContains") or "", self.text(req, "maxResults"))
        return self.el("searchCustomersResponse", *(self.record(c) for c in hits))
