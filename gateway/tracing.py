"""OpenTelemetry spans: one per gateway tool call, a child per bridge exchange.

Each gateway has its own TracerProvider (never the global one), chosen by settings:
`none` (a no-op tracer, nothing recorded), `console`, `otlp` (needs the
opentelemetry-exporter-otlp package) or `memory` (an in-memory exporter, for tests, read back
from `Tracing.memory`). The gateway's trace id (the request id) is an attribute of the call
span, so an audit record leads to its trace.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode

from bridges.errors import BridgeError, ConfigError
from gateway.observe import CallRecord

EXPORTERS = ("none", "console", "otlp", "memory")
_OTLP = "opentelemetry.exporter.otlp.proto.http.trace_exporter"


def _exporter(kind: str, endpoint: str | None) -> SpanExporter:
    if kind == "console":
        return ConsoleSpanExporter()
    if kind == "memory":
        return InMemorySpanExporter()
    if kind == "otlp":
        try:
            otlp = importlib.import_module(_OTLP)
        except ModuleNotFoundError:
            raise ConfigError("trace_exporter = 'otlp' needs the opentelemetry-exporter-otlp "
                              "package") from None
        exporter: SpanExporter = otlp.OTLPSpanExporter(
            **({"endpoint": endpoint} if endpoint else {}))
        return exporter
    raise ConfigError(f"unknown trace exporter {kind!r}; known: {', '.join(EXPORTERS)}")


class Tracing:
    def __init__(self, exporter: str = "none", endpoint: str | None = None) -> None:
        self.enabled = exporter != "none"
        self.memory: InMemorySpanExporter | None = None
        self.provider: TracerProvider | None = None
        if not self.enabled:
            self.tracer: trace.Tracer = trace.NoOpTracer()
            return
        span_exporter = _exporter(exporter, endpoint)
        self.provider = TracerProvider(resource=Resource.create({"service.name": "mainbridge"}))
        if isinstance(span_exporter, InMemorySpanExporter):
            self.memory = span_exporter
            # Synchronous in tests, so spans are there when the HTTP response is.
            self.provider.add_span_processor(SimpleSpanProcessor(span_exporter))
        else:
            self.provider.add_span_processor(BatchSpanProcessor(span_exporter))
        self.tracer = self.provider.get_tracer("mainbridge.gateway")

    @contextmanager
    def call_span(self, tool: str) -> Iterator[trace.Span]:
        """The current span for one tool call; `observe` fills it in when the call ends."""
        with self.tracer.start_as_current_span(
                f"tool {tool}", kind=SpanKind.SERVER, record_exception=False,
                set_status_on_exception=False) as span:
            yield span

    @contextmanager
    def bridge_span(self, system: str, protocol: str, request: Any) -> Iterator[trace.Span]:
        """A child of the current call span around one bridge exchange."""
        with self.tracer.start_as_current_span(
                f"bridge {protocol} {system}", kind=SpanKind.CLIENT, record_exception=False,
                set_status_on_exception=False, attributes={
                    "mainbridge.system": system, "mainbridge.protocol": protocol,
                    "mainbridge.request": type(request).__name__}) as span:
            try:
                yield span
            except BridgeError as exc:
                span.set_attribute("mainbridge.error_type", exc.type_name)
                span.set_status(Status(StatusCode.ERROR, exc.type_name))
                raise

    async def observe(self, record: CallRecord) -> None:
        """A CallObserver: the call span is still current while observers run."""
        span = trace.get_current_span()
        if not span.is_recording():
            return
        span.set_attributes({
            "mainbridge.trace_id": record.trace_id, "mainbridge.agent": record.agent,
            "mainbridge.tool": record.tool, "mainbridge.system": record.system or "",
            "mainbridge.decision": record.decision, "mainbridge.outcome": record.outcome,
            "mainbridge.cached": record.cached, "http.response.status_code": record.status})
        if record.on_behalf_of:
            span.set_attribute("mainbridge.on_behalf_of", record.on_behalf_of)
        if record.error_type:
            span.set_attribute("mainbridge.error_type", record.error_type)
        if record.status >= 500:
            span.set_status(Status(StatusCode.ERROR, record.error_type or ""))

    def shutdown(self) -> None:
        if self.provider is not None:
            self.provider.shutdown()
