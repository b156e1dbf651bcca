"""The SOAP emulator: CRM v1 and v2, ticketing and sanctions on one loopback HTTP server."""

from __future__ import annotations

import secrets
from types import TracebackType

from emulators.dataset import BankDataset
from emulators.soap.crm import CrmV1, CrmV2
from emulators.soap.envelope import (
    CONTENT_TYPES,
    SoapFault,
    fault_reply,
    parse_request,
    reply,
)
from emulators.soap.http import Faults, HttpRequest, HttpResponse, HttpServer
from emulators.soap.sanctions import Sanctions
from emulators.soap.service import Service, soap_dir
from emulators.soap.ticketing import Ticketing

TICKETING_USER = "mainbridge"


class SoapEmulator:
    """Every SOAP service of the reference bank, each at its own path.

    `url(path)` gives an endpoint; `faults` injects wire faults; `ticketing_password` is
    generated per run (the demo hands it to the gateway's secret store).
    """

    def __init__(self, dataset: BankDataset | None = None, sanctions_latency_s: float = 0.4,
                 ticketing_password: str | None = None) -> None:
        data = dataset or BankDataset()
        self.ticketing_user = TICKETING_USER
        self.ticketing_password = ticketing_password or secrets.token_urlsafe(18)
        self.crm_v1 = CrmV1(data)
        self.crm_v2 = CrmV2(data)
        self.ticketing = Ticketing(data, self.ticketing_user, self.ticketing_password)
        self.sanctions = Sanctions(data, sanctions_latency_s)
        self.routes: dict[str, Service] = {
            path: service
            for service in (self.crm_v1, self.crm_v2, self.ticketing, self.sanctions)
            for path in service.bindings}
        self._http = HttpServer(self._handle)

    @property
    def faults(self) -> Faults:
        return self._http.faults

    @faults.setter
    def faults(self, value: Faults) -> None:
        self._http.faults = value

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._http.port}{path}"

    async def _handle(self, request: HttpRequest) -> HttpResponse:
        service = self.routes.get(request.path.rstrip("/"))
        if service is None:
            return HttpResponse(404, b"no such service", {"Content-Type": "text/plain"})
        if request.method == "GET" and request.query.lower() == "wsdl":
            return HttpResponse(200, (soap_dir() / service.wsdl).read_bytes(),
                                {"Content-Type": "text/xml; charset=utf-8"})
        if request.method != "POST":
            return HttpResponse(405, b"POST a SOAP envelope", {"Allow": "GET, POST"})
        version = service.bindings[request.path.rstrip("/")]
        try:
            soap = parse_request(request.body)
            version = soap.version
            payload = await service.handle(request.path.rstrip("/"), soap)
            status, body = 200, reply(version, payload)
        except SoapFault as fault:
            status, body = fault_reply(version, fault, service.fault_detail)
        except Exception:  # noqa: BLE001 - an emulator bug must still answer as a SOAP server would
            status, body = fault_reply(version, SoapFault("internal error", sender=False),
                                       service.fault_detail)
        return HttpResponse(status, body, {"Content-Type": CONTENT_TYPES[version]})

    def start(self) -> SoapEmulator:
        self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> SoapEmulator:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
