"""Sanctions screening (SOAP): screen a person against the watchlists. Never cached."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from adapters.kit import Contract
from adapters.kit.soap import SoapTool, XmlText
from canonical import CanonicalModel
from canonical.entities.sanctions import SanctionsHit, SanctionsResultV1

SYSTEM = "sanctions"


class ScreenSanctionsParams(BaseModel):
    name: XmlText = Field(min_length=2, max_length=120, description="Full name as written")
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    birth_date: date | None = Field(default=None, description="Sharpens the match when known")


class ScreenSanctions(SoapTool[ScreenSanctionsParams]):
    name = "screen_sanctions"
    description = ("Screen a person against sanctions lists (fuzzy name match, country, birth "
                   "date). Real time, never cached; for compliance.")
    Params = ScreenSanctionsParams
    returns = "sanctions_result@1"
    system = SYSTEM
    contract = Contract(
        happy={"name": "John Doe", "country": "US"},
        no_not_found="a screening always answers: no hit is a clear verdict",
        volatile=("data.screening_id", "data.screened_at"))
    cache_ttl_s = 0.0  # a screening must reflect today's lists, always
    timeout_s = 20.0  # the screening engine is slow by nature
    operation = "ScreenPerson"

    def build(self, params: ScreenSanctionsParams) -> dict[str, Any]:
        args: dict[str, Any] = {"FullName": params.name, "CountryCode": params.country}
        return {**args, "BirthDate": params.birth_date} if params.birth_date else args

    def to_canonical(self, reply: Any, params: ScreenSanctionsParams) -> CanonicalModel:
        return SanctionsResultV1(
            screening_id=reply["ScreeningId"], screened_name=params.name,
            country=params.country, birth_date=params.birth_date,
            verdict=reply["Verdict"].lower(), screened_at=reply["ScreenedAt"],
            hits=tuple(SanctionsHit(entry_id=h["EntryId"], list_name=h["ListName"],
                                    matched_name=h["MatchedName"], score=h["Score"],
                                    country=h["CountryCode"], birth_date=h.get("BirthDate"))
                       for h in reply.get("Hit") or []))


TOOLS = [ScreenSanctions]


def system_config(address: str, soap12: bool = False) -> dict[str, Any]:
    """The `sanctions` system's settings, over the SOAP 1.1 or the SOAP 1.2 binding."""
    return {"bridge": "soap", "wsdl": "sanctions.wsdl", "address": address, "timeout_s": 15.0,
            "binding": "SanctionsScreeningSoap12" if soap12 else "SanctionsScreeningSoap11"}
