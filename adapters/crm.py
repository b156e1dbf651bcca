"""ACME CRM (SOAP): customer details and search, from either live WSDL version.

The system's `api_version` setting says which contract the CRM speaks (v1: 2009, v2: 2016).
Each version is a small class that reads its own XML names; both yield the same customer@2,
so agents never learn which one answered.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, Field

from adapters.kit import Contract, Tool, ToolContext
from adapters.kit.soap import XmlText, call_operation, mapping_errors, soap_bridge
from bridges.errors import ConfigError
from canonical import CanonicalModel, registry
from canonical.entities.customer import CustomerSummaryV1, CustomerV1, CustomerV2

SYSTEM = "crm"
CustomerId = Annotated[str, Field(pattern=r"^C\d{6}$", description="CRM customer number",
                                  examples=["C000001"])]


class CrmContract:
    """One WSDL version: how to ask for a customer and how to read the answer."""

    not_found: ClassVar[frozenset[str]]

    async def customer(self, ctx: ToolContext, customer_id: str) -> CustomerV2:
        raise NotImplementedError

    async def search(self, ctx: ToolContext, name: str, limit: int) -> list[CustomerSummaryV1]:
        raise NotImplementedError


class CrmV1(CrmContract):
    """2009: one name string, one phone, one-letter segments; language behind another call."""

    not_found = frozenset({"CRM0404"})
    segments: ClassVar[dict[str, str]] = {"R": "retail", "P": "premium", "B": "business"}

    def v1_record(self, r: dict[str, Any]) -> CustomerV1:
        return CustomerV1(customer_id=r["CustNo"], name=r["CustName"], email=r.get("EmailAddr"),
                          phone=r.get("PhoneNo"), date_of_birth=r.get("BirthDt"),
                          segment=self.segments[r["SegCd"]], country=r["CtryCd"])

    async def customer(self, ctx: ToolContext, customer_id: str) -> CustomerV2:
        record, prefs = await asyncio.gather(
            call_operation(ctx, SYSTEM, "GetCustomer", {"CustNo": customer_id}, self.not_found),
            call_operation(ctx, SYSTEM, "GetCustomerPreferences", {"CustNo": customer_id},
                           self.not_found))
        with mapping_errors(SYSTEM, "CRM v1 customer"):
            # The registry's upcaster does the v1 -> v2 reshaping (name split, phone rename).
            upcast = registry.convert(self.v1_record(record), "customer@2").model_dump()
            language = (prefs.get("LangCd") or "").lower() or None
            return CustomerV2.model_validate({**upcast, "preferred_language": language})

    async def search(self, ctx: ToolContext, name: str, limit: int) -> list[CustomerSummaryV1]:
        rows = await call_operation(ctx, SYSTEM, "FindCustomers",
                                    {"NameFragment": name, "MaxRows": limit})
        with mapping_errors(SYSTEM, "CRM v1 search hit"):
            return [CustomerSummaryV1(customer_id=r["CustNo"], display_name=r["CustName"],
                                      segment=self.segments[r["SegCd"]], country=r["CtryCd"])
                    for r in rows or []]


class CrmV2(CrmContract):
    """2016: camelCase, personName and contact groups, segment words, preferredLanguage."""

    not_found = frozenset({"CUSTOMER_NOT_FOUND"})

    async def customer(self, ctx: ToolContext, customer_id: str) -> CustomerV2:
        r = await call_operation(ctx, SYSTEM, "getCustomer", {"customerNumber": customer_id},
                                 self.not_found)
        with mapping_errors(SYSTEM, "CRM v2 customer"):
            contact = r.get("contact") or {}
            return CustomerV2(
                customer_id=r["customerNumber"], first_name=r["personName"]["givenName"],
                last_name=r["personName"]["familyName"], email=contact.get("emailAddress"),
                mobile_phone=contact.get("mobilePhone"), date_of_birth=r.get("dateOfBirth"),
                segment=r["segment"].lower(), country=r["countryCode"],
                preferred_language=r.get("preferredLanguage"))

    async def search(self, ctx: ToolContext, name: str, limit: int) -> list[CustomerSummaryV1]:
        rows = await call_operation(ctx, SYSTEM, "searchCustomers",
                                    {"nameContains": name, "maxResults": limit})
        with mapping_errors(SYSTEM, "CRM v2 search hit"):
            return [CustomerSummaryV1(
                customer_id=r["customerNumber"],
                display_name=f"{r['personName']['givenName']} {r['personName']['familyName']}",
                segment=r["segment"].lower(), country=r["countryCode"]) for r in rows or []]


CONTRACTS: dict[str, CrmContract] = {"v1": CrmV1(), "v2": CrmV2()}


def contract(ctx: ToolContext) -> CrmContract:
    version = soap_bridge(ctx, SYSTEM).settings.api_version or "v2"
    try:
        return CONTRACTS[version]
    except KeyError:
        raise ConfigError(f"crm api_version must be one of {sorted(CONTRACTS)}, "
                          f"not {version!r}", system=SYSTEM) from None


class CustomerInfoParams(BaseModel):
    customer_id: CustomerId


class GetCustomerInfo(Tool[CustomerInfoParams]):
    name = "get_customer_info"
    description = "A customer's details from the CRM: name, contact, segment, language."
    Params = CustomerInfoParams
    returns = "customer@2"
    system = SYSTEM
    contract = Contract(happy={"customer_id": "C000001"},
                        not_found={"customer_id": "C999999"})
    cache_ttl_s = 60.0

    async def run(self, params: CustomerInfoParams, ctx: ToolContext) -> CanonicalModel:
        return await contract(ctx).customer(ctx, params.customer_id)


class FindCustomerParams(BaseModel):
    name: XmlText = Field(min_length=2, max_length=60,
                          description="Part of the customer's name")
    limit: int = Field(default=20, ge=1, le=100)


class FindCustomer(Tool[FindCustomerParams]):
    name = "find_customer"
    description = "Customers whose name contains the text (case-insensitive), for picking one."
    Params = FindCustomerParams
    returns = "customer_summary@1"
    many = True
    system = SYSTEM
    contract = Contract(happy={"name": "Doe"},
                        no_not_found="a search: no match is an empty list")
    cache_ttl_s = 30.0

    async def run(self, params: FindCustomerParams, ctx: ToolContext) -> list[CanonicalModel]:
        return list(await contract(ctx).search(ctx, params.name, params.limit))


TOOLS = [GetCustomerInfo, FindCustomer]


def system_config(address: str, api_version: str = "v2") -> dict[str, Any]:
    """The `crm` system's settings for a CRM speaking `api_version` at `address`."""
    return {"bridge": "soap", "wsdl": f"crm-{api_version}.wsdl", "address": address,
            "api_version": api_version, "timeout_s": 5.0}
