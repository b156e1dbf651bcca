"""WatchGuard SanctionsScreening: fuzzy name screening against the watchlist, deliberately slow."""

from __future__ import annotations

import itertools
import re
import unicodedata
from datetime import UTC, datetime
from difflib import SequenceMatcher

from lxml import etree

from emulators.dataset import BankDataset, Row
from emulators.soap.envelope import SOAP11, SOAP12, FaultDetail, SoapFault
from emulators.soap.service import Operation, Service

NS = "http://screening.example/Sanctions/1.0"
HIT_THRESHOLD = 0.75
MATCH_THRESHOLD = 0.92


def normalize(name: str) -> str:
    """Accents, case, punctuation and word order do not matter to a screening engine."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(sorted(re.sub(r"[^a-z0-9]+", " ", plain.lower()).split()))


def score(name: str, country: str, birth: str | None, entry: Row) -> float:
    value = SequenceMatcher(None, normalize(name), normalize(entry["name"])).ratio()
    if country != entry["country"]:
        value *= 0.9
    if birth and entry.get("birth_date"):
        value = min(1.0, value + 0.05) if birth == entry["birth_date"] else value * 0.85
    return round(value, 3)


class Sanctions(Service):
    wsdl = "sanctions.wsdl"
    xsd = "sanctions.xsd"
    namespace = NS
    prefix = "scr"
    fault_detail = FaultDetail(etree.QName(NS, "ScreeningFault"), etree.QName(NS, "ReasonCode"),
                               etree.QName(NS, "Explanation"))
    invalid_code = "INVALID_INPUT"
    bindings = {"/sanctions": SOAP11, "/sanctions/soap12": SOAP12}

    def __init__(self, dataset: BankDataset, latency_s: float) -> None:
        super().__init__(dataset)
        self.latency_s = latency_s
        self._ids = itertools.count(1)

    def operations(self) -> dict[str, Operation]:
        return {"ScreenPerson": self.screen}

    def screen(self, req: etree._Element) -> etree._Element:
        name = self.text(req, "FullName") or ""
        country = self.text(req, "CountryCode") or ""
        birth = self.text(req, "BirthDate")
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise SoapFault(f"country {country!r} is not ISO 3166-1 alpha-2",
                            code="INVALID_COUNTRY")
        if not normalize(name):
            raise SoapFault("the name has no letters to screen", code="INVALID_INPUT")
        scored = sorted(((score(name, country, birth, e), e) for e in self.dataset.watchlist),
                        key=lambda pair: -pair[0])
        hits = [(s, e) for s, e in scored if s >= HIT_THRESHOLD]
        verdict = ("MATCH" if hits and hits[0][0] >= MATCH_THRESHOLD
                   else "POTENTIAL_MATCH" if hits else "CLEAR")
        return self.el(
            "ScreenPersonResponse", self.el("ScreeningId", text=f"SCR-{next(self._ids):08d}"),
            self.el("ScreenedAt", text=datetime.now(UTC).replace(microsecond=0).isoformat()),
            self.el("Verdict", text=verdict),
            *(self.el("Hit", self.el("EntryId", text=e["entry_id"]),
                      self.el("ListName", text=e["list"]),
                      self.el("MatchedName", text=e["name"]), self.el("Score", text=f"{s:.3f}"),
                      self.el("CountryCode", text=e["country"]),
                      *self.opt("BirthDate", e.get("birth_date"))) for s, e in hits))
