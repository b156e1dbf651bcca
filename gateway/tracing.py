"""OpenTelemetry spans: one per gateway tool call, a child per bridge exchange.

Each gateway has its own TracerProvider (never the global one), chosen by settings:
`none` (a no-op tracer, nothing recorded), `console`, `otlp` (needs the
opentelemetry-exporter-otlp package) or `memory` (an in-memory exporter, for tests, read back
from `Tracing.memory`). The gateway's trace id (the request id) is an attribute of the call
span, and is the span's own trace id whenever it can be (32 hex digits): an incoming W3C
`traceparent` makes the call a child of the caller's span and its trace id the request id, so
an audit record, a log line and a trace share one id end to end.
"""

from __future__ import annotations

import contextvars
import importlib
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from bridges.errors import BridgeError, ConfigError
from gateway.observe import CallRecord

EXPORTERS = ("none", "console", "otlp", "memory")
_OTLP = "opentelemetry.exporter.otlp.proto.http.trace_exporter"
_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
_W3C = TraceContextTextMapPropagator()
# The caller's span (from `traceparent`) for the request being served, set by the HTTP edge.
incoming: contextvars.ContextVar[Context | None] = contextvars.ContextVar(
    "incoming_trace", default=None)
# The trace id the next call span should carry: the gateway's request id.
_wanted_trace_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "wanted_trace_id", default=None)


def from_traceparent(headers: Mapping[str, str]) -> tuple[Context | None, str | None]:
    """The caller's span context and its trace id (hex) from W3C headers; (None, None) if
    absent or malformed."""
    if "traceparent" not in headers:
        return None, None
    context = _W3C.extract(carrier={k: headers[k] for k in ("traceparent", "tracestate")
                                    if k in headers})
    span = trace.get_current_span(context).get_span_context()
    if not span.is_valid:
        return None, None
    return context, trace.format_trace_id(span.trace_id)


class RequestTraceIds(RandomIdGenerator):
    """A root span's trace id is the request id when that is 32 hex digits, else random."""

    def generate_trace_id(self) -> int:
        wanted = _wanted_trace_id.get()
        if wanted and _TRACE_ID.match(wanted) and int(wanted, 16):
            return int(wanted, 16)
        return super().generate_trace_id()


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
        self.provider = TracerProvider(resource=Resource.create({"service.name": "mainbridge"}),
                                       id_generator=RequestTraceIds())
        if isinstance(span_exporter, InMemorySpanExporter):
            self.memory = span_exporter
            # Synchronous in tests, so spans are there when the HTTP response is.
            self.provider.add_span_processor(SimpleSpanProcessor(span_exporter))
        else:
            self.provider.add_span_processor(BatchSpanProcessor(span_exporter))
        self.tracer = self.provider.get_tracer("mainbridge.gateway")

    @contextmanager
    def call_span(self, tool: str, trace_id: str) -> Iterator[trace.Span]:
        """The current span for one tool call; `observe` fills it in when the call ends."""
        token = _wanted_trace_id.set(trace_id)
        try:
            with self.tracer.start_as_current_span(
                    f"tool {tool}", context=incoming.get(), kind=SpanKind.SERVER,
                    record_exception=False, set_status_on_exception=False) as span:
                yield span
        finally:
            _wanted_trace_id.reset(token)

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
