"""zeep transports for the SOAP bridge: hardened contract loading, per-call deadlines, size caps.

`HardenedTransport` is the only way zeep reaches a file or the network: WSDL/XSD documents come
from allowed local folders or allow-listed hosts (so an `xsd:import` cannot be used for SSRF),
every POST carries a timeout, and a reply larger than the cap is refused while it streams in.
`ReplayTransport` answers from a cassette instead of the network.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import httpx
from lxml import etree
from zeep.transports import Transport

from bridges.errors import ConfigError, ProtocolError
from bridges.recording import Cassette

CHUNK = 64 * 1024


def body_name(envelope: etree._Element) -> str:
    """Local name of the first element inside the SOAP Body: how cassettes label a call."""
    for body in envelope:
        if isinstance(body.tag, str) and etree.QName(body).localname == "Body":
            for child in body:
                if isinstance(child.tag, str):
                    return str(etree.QName(child).localname)
    return ""


def envelope_text(envelope: etree._Element) -> str:
    return str(etree.tostring(envelope, encoding="unicode"))


class HardenedTransport(Transport):
    """A pooled httpx client behind zeep, with the bridge's loading and size rules."""

    def __init__(self, *, allowed_dirs: list[Path], allowed_hosts: list[str], pool_size: int,
                 connect_timeout_s: float, timeout_s: float, max_response_bytes: int) -> None:
        super().__init__(timeout=timeout_s, operation_timeout=timeout_s)
        # httpx rather than zeep's requests session: the same pooled client a hand-written
        # SOAP caller would use, and no proxies, .netrc or CA bundles from the environment.
        self.http = httpx.Client(
            trust_env=False, follow_redirects=False,
            limits=httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size),
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s))
        self.allowed_dirs = [d.resolve() for d in allowed_dirs]
        self.allowed_hosts = {h.lower() for h in allowed_hosts}
        self.connect_timeout_s = connect_timeout_s
        self.default_timeout_s = timeout_s
        self.max_response_bytes = max_response_bytes
        self._local = threading.local()

    # -- contract loading ----------------------------------------------------------------
    def load(self, url: str) -> bytes:
        parsed = urlparse(url)
        if parsed.scheme in ("http", "https"):
            if (parsed.hostname or "").lower() not in self.allowed_hosts:
                raise ConfigError(f"refusing to load {url}: host not in the SOAP allow-list")
            return self._fetch("GET", url, self.default_timeout_s).content
        if parsed.scheme not in ("", "file"):
            raise ConfigError(f"refusing to load {url}: only local files and allowed hosts")
        path = Path(unquote(parsed.path) if parsed.scheme == "file" else url).resolve()
        if not any(path.is_relative_to(d) for d in self.allowed_dirs):
            raise ConfigError(f"refusing to load {path}: outside the allowed contract folders")
        if path.stat().st_size > self.max_response_bytes:
            raise ConfigError(f"{path} is larger than the contract size limit")
        return path.read_bytes()

    # -- calls -------------------------------------------------------------------------------
    @contextmanager
    def deadline(self, seconds: float) -> Iterator[None]:
        """Read timeout for the calls this thread makes inside the block."""
        previous = getattr(self._local, "timeout", None)
        self._local.timeout = seconds
        try:
            yield
        finally:
            self._local.timeout = previous

    def _fetch(self, method: str, url: str, timeout_s: float, content: bytes | None = None,
               headers: dict[str, str] | None = None) -> httpx.Response:
        """One request, its body refused once it passes the size cap (checked while it streams
        when the server sends no Content-Length)."""
        request = self.http.build_request(method, url, content=content, headers=headers,
                                          timeout=httpx.Timeout(timeout_s,
                                                                connect=self.connect_timeout_s))
        response = self.http.send(request, stream=True)
        try:
            declared = int(response.headers.get("Content-Length", "-1"))
            if declared > self.max_response_bytes:
                raise ProtocolError(f"reply larger than {self.max_response_bytes} bytes; refused")
            if declared >= 0:
                response.read()
                return response
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes(CHUNK):
                size += len(chunk)
                if size > self.max_response_bytes:
                    raise ProtocolError(
                        f"reply larger than {self.max_response_bytes} bytes; refused")
                chunks.append(chunk)
            response._content = b"".join(chunks)
            return response
        finally:
            response.close()

    def post(self, address: str, message: bytes, headers: dict[str, str]) -> httpx.Response:
        timeout = getattr(self._local, "timeout", None) or self.default_timeout_s
        return self._fetch("POST", address, timeout, message, headers)

    def close(self) -> None:
        self.http.close()
        self.session.close()


class ReplayTransport(HardenedTransport):
    """Answers POSTs from a cassette: no server, no credentials."""

    def __init__(self, cassette: Cassette, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cassette = cassette

    def post_xml(self, address: str, envelope: etree._Element,
                 headers: dict[str, str]) -> httpx.Response:
        reply = self.cassette.replay({"body": body_name(envelope),
                                      "envelope": envelope_text(envelope)})
        return httpx.Response(
            int(reply.get("status", 200)), content=str(reply["envelope"]).encode("utf-8"),
            headers={"Content-Type": reply.get("content_type", "text/xml; charset=utf-8")})
