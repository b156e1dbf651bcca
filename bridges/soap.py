"""SOAP bridge: one zeep client per WSDL, built once, called from a bounded worker pool.

Contracts (WSDL/XSD) load only from local folders or allow-listed hosts; DTDs, entities and
huge trees are refused in every reply; every call has a timeout. Faults become `RemoteFault`
(code and detail kept), and `map_zeep_errors()` is the one place zeep, httpx and lxml
exceptions are caught. Exchanges can be recorded through a zeep plugin and replayed offline.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import zeep
import zeep.exceptions
from lxml import etree
from pydantic import Field
from zeep.helpers import serialize_object
from zeep.plugins import Plugin
from zeep.wsse.username import UsernameToken

from bridges.base import BlockingBridge
from bridges.errors import (
    AuthError,
    BridgeError,
    BridgeTimeout,
    ConfigError,
    ConnectError,
    ProtocolError,
    RemoteFault,
)
from bridges.recording import Cassette, CassetteSettings, Recorder, Redactor
from bridges.secrets import SecretStore
from bridges.soap_transport import HardenedTransport, ReplayTransport, body_name, envelope_text

AUTH_FAULTS = ("FailedAuthentication", "InvalidSecurity", "InvalidSecurityToken")


def contracts_dir() -> Path:
    """Where relative WSDL paths point: fixtures/soap (or under `MAINBRIDGE_FIXTURES`)."""
    override = os.environ.get("MAINBRIDGE_FIXTURES")
    base = Path(override) if override else Path(__file__).resolve().parents[1] / "fixtures"
    return base / "soap"


class SoapSettings(CassetteSettings):
    wsdl: str = Field(description="WSDL file; relative paths are under fixtures/soap")
    address: str | None = Field(default=None, description="Endpoint URL (default: the WSDL's)")
    binding: str | None = Field(default=None, description="Binding name; default: first port")
    api_version: str | None = Field(default=None, description="Contract label adapters read")
    username: str | None = None
    password_secret: str | None = Field(default=None, description="Secret store key")
    timeout_s: float = Field(default=10.0, gt=0)
    connect_timeout_s: float = Field(default=3.0, gt=0)
    pool_size: int = Field(default=4, ge=1, le=64)
    max_response_bytes: int = Field(default=5 << 20, ge=1024)
    allowed_hosts: list[str] = Field(default_factory=list,
                                     description="Hosts WSDL/XSD imports may come from")
    schema_dirs: list[str] = Field(default_factory=list,
                                   description="More local folders contracts may load from")

    def wsdl_path(self) -> Path:
        path = Path(self.wsdl)
        return path if path.is_absolute() else contracts_dir() / path

    def allowed_dirs(self) -> list[Path]:
        return [self.wsdl_path().parent, *(Path(d) for d in self.schema_dirs)]


def zeep_settings() -> zeep.Settings:
    return zeep.Settings(strict=True, xml_huge_tree=False, forbid_dtd=True,
                         forbid_entities=True, forbid_external=False)


def build_transport(settings: SoapSettings, cassette: Cassette | None = None) -> (
    HardenedTransport
):
    kwargs: dict[str, Any] = dict(
        allowed_dirs=settings.allowed_dirs(), allowed_hosts=settings.allowed_hosts,
        pool_size=settings.pool_size, connect_timeout_s=settings.connect_timeout_s,
        timeout_s=settings.timeout_s, max_response_bytes=settings.max_response_bytes)
    if cassette is not None:
        return ReplayTransport(cassette, **kwargs)
    return HardenedTransport(**kwargs)


def fault_detail(detail: etree._Element | None) -> dict[str, str]:
    """The fault's detail as {local name: text} of its leaf elements (vendor code, message)."""
    if detail is None:
        return {}
    return {str(etree.QName(el).localname): (el.text or "").strip()
            for el in detail.iter() if isinstance(el.tag, str) and len(el) == 0
            and el is not detail}


def vendor_code(detail: dict[str, str]) -> str | None:
    """The vendor's own error code: the first detail leaf whose name says it is a code."""
    return next((v for k, v in detail.items() if "code" in k.lower() or k == "ErrCd"), None)


@contextmanager
def map_zeep_errors(system: str, *, loading: bool = False,
                    secrets: tuple[str, ...] = ()) -> Iterator[None]:
    """The one place zeep, httpx and lxml exceptions become the bridge error tree."""
    redact = Redactor(secrets).text
    try:
        yield
    except BridgeError:
        raise
    except zeep.exceptions.Fault as exc:
        detail = fault_detail(exc.detail)
        codes = [str(exc.code or ""), *(str(s) for s in (exc.subcodes or []))]
        message = redact(str(exc.message or "SOAP fault"))
        info = {"faultcode": codes[0], **detail}
        if any(c.rpartition(":")[2].rpartition("}")[2] in AUTH_FAULTS for c in codes):
            raise AuthError(f"service refused the credentials: {message}", system=system,
                            detail=info) from exc
        raise RemoteFault(message, code=vendor_code(detail) or codes[0] or None, system=system,
                          detail=info) from exc
    except zeep.exceptions.TransportError as exc:
        status = exc.status_code or 0
        error_cls = AuthError if status in (401, 403) else ProtocolError
        what = "an unparseable reply" if exc.content else "no SOAP reply"
        raise error_cls(f"SOAP endpoint answered HTTP {status} with {what}",
                        system=system, detail={"status": status}) from exc
    except (zeep.exceptions.DTDForbidden, zeep.exceptions.EntitiesForbidden) as exc:
        error = ConfigError if loading else ProtocolError
        raise error(f"XML refused: {type(exc).__name__}", system=system) from exc
    except (zeep.exceptions.WsdlSyntaxError, zeep.exceptions.LookupError,
            zeep.exceptions.NamespaceError, zeep.exceptions.ValidationError) as exc:
        raise ConfigError(f"SOAP contract problem: {redact(str(exc))}", system=system) from exc
    except (zeep.exceptions.Error, etree.XMLSyntaxError) as exc:
        error = ConfigError if loading else ProtocolError
        raise error(f"unusable SOAP reply: {redact(str(exc))[:300]}", system=system) from exc
    except httpx.ConnectTimeout as exc:
        raise ConnectError("SOAP endpoint did not accept a connection in time",
                           system=system) from exc
    except httpx.TimeoutException as exc:
        raise BridgeTimeout("SOAP endpoint did not answer in time", system=system) from exc
    except (httpx.RemoteProtocolError, httpx.DecodingError) as exc:
        raise ProtocolError(f"SOAP reply was cut off or garbled: {exc}", system=system) from exc
    except httpx.HTTPError as exc:
        raise ConnectError(f"SOAP endpoint unreachable: {type(exc).__name__}",
                           system=system) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read SOAP contract: {exc.strerror}", system=system) from exc


class RecordingPlugin(Plugin):
    """Records each request/reply envelope pair into a cassette, secrets masked.

    zeep applies plugins before WS-Security, so the UsernameToken never reaches the plugin;
    the redactor still masks the password should it appear anywhere else.
    """

    def __init__(self, cassette: Cassette, redactor: Redactor) -> None:
        self.cassette = cassette
        self.redactor = redactor
        self._pending = threading.local()

    def egress(self, envelope: etree._Element, http_headers: dict[str, str], operation: Any,
               binding_options: Any) -> tuple[etree._Element, dict[str, str]]:
        self._pending.request = {"body": body_name(envelope), "envelope": envelope_text(envelope)}
        return envelope, http_headers

    def ingress(self, envelope: etree._Element, http_headers: Mapping[str, str],
                operation: Any) -> tuple[etree._Element, Mapping[str, str]]:
        request = getattr(self._pending, "request", None)
        if request is not None:
            faulted = envelope.find(".//{*}Fault") is not None
            reply = {"status": 500 if faulted else 200, "envelope": envelope_text(envelope),
                     "content_type": http_headers.get("Content-Type", "text/xml")}
            self.cassette.record(request, reply, self.redactor)  # the cassette locks itself
            self._pending.request = None
        return envelope, http_headers


@dataclass(frozen=True)
class SoapCall:
    """One operation call: keyword arguments as the XSD names them."""

    operation: str
    args: Mapping[str, Any] = field(default_factory=dict)
    timeout_s: float | None = None


def plain(value: Any) -> Any:
    """zeep's OrderedDicts as plain dicts and lists, values (date, Decimal) untouched."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


class SoapBridge(BlockingBridge[SoapCall, Any]):
    protocol = "soap"
    settings_model = SoapSettings

    def __init__(self, system: str, settings: SoapSettings, secrets: SecretStore) -> None:
        super().__init__(system, max_workers=settings.pool_size)
        self.settings = settings
        self._secrets = secrets
        self.recorder = Recorder.from_settings(self.protocol, system, settings)
        self.cassette = self.recorder.cassette if self.recorder else None
        self._client: zeep.Client | None = None
        self._service: Any = None
        self._lock = threading.Lock()

    def _password(self) -> str | None:
        name = self.settings.password_secret
        return self._secrets.get(name).get_secret_value() if name else None

    def _build(self) -> None:
        """Load the WSDL once and bind the service proxy; later calls reuse both."""
        replaying = self.settings.mode == "replay"
        password = None if replaying else self._password()
        wsse = (UsernameToken(self.settings.username, password)
                if self.settings.username and password is not None else None)
        plugins = ([RecordingPlugin(self.cassette, Redactor((password or "",)))]
                   if self.settings.mode == "record" and self.cassette else [])
        transport = build_transport(self.settings, self.cassette if replaying else None)
        with map_zeep_errors(self.system, loading=True, secrets=(password or "",)):
            client = zeep.Client(str(self.settings.wsdl_path()), transport=transport,
                                 settings=zeep_settings(), wsse=wsse, plugins=plugins)
            binding = self._binding_name(client)
            address = self.settings.address
            self._service = (client.create_service(binding, address) if address
                             else self._default_service(client, binding))
        self._client = client

    def _binding_name(self, client: zeep.Client) -> str:
        names = list(client.wsdl.bindings)
        wanted = self.settings.binding
        if wanted is None:
            service = next(iter(client.wsdl.services.values()))
            return str(next(iter(service.ports.values())).binding.name)
        for name in names:
            if name == wanted or etree.QName(name).localname == wanted:
                return str(name)
        raise ConfigError(f"system {self.system!r}: no binding {wanted!r} in the WSDL; "
                          f"known: {[etree.QName(n).localname for n in names]}",
                          system=self.system)

    @staticmethod
    def _default_service(client: zeep.Client, binding: str) -> Any:
        for service in client.wsdl.services.values():
            for port in service.ports.values():
                if port.binding.name == binding:
                    return client.bind(service.name, port.name)
        raise ConfigError(f"binding {binding} has no port with an address; set `address`")

    def service(self) -> Any:
        with self._lock:
            if self._service is None:
                self._build()
            return self._service

    async def open(self) -> None:
        await self.workers.run(self.service)

    def exchange_blocking(self, request: SoapCall) -> Any:
        service = self.service()
        assert self._client is not None
        transport: HardenedTransport = self._client.transport
        try:
            operation = service[request.operation]
        except AttributeError:
            raise ConfigError(f"{self.system}: the WSDL has no operation {request.operation!r}",
                              system=self.system) from None
        password = self._password() if self.settings.mode != "replay" else None
        with transport.deadline(request.timeout_s or self.settings.timeout_s), \
                map_zeep_errors(self.system, secrets=(password or "",)):
            result = operation(**request.args)
        return plain(serialize_object(result))

    def save_cassette(self) -> None:
        if self.recorder is not None:
            self.recorder.save()

    async def close(self) -> None:
        self.save_cassette()
        if self._client is not None:
            self._client.transport.close()
        await super().close()
