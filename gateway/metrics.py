"""Prometheus metrics of one gateway: calls, latencies, errors, cache, breakers, rejections.

Each app has its own CollectorRegistry (never the process-global one), so several gateways in
one process do not clash. Labels carry only names the gateway knows (tools, systems, error
types): a call to an unknown tool is counted under "<unknown>", so agents cannot mint label
values, and no argument ever becomes a label.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

from gateway.observe import CallRecord

UNKNOWN = "<unknown>"
BREAKER_STATES = ("closed", "open", "half_open")
# Gateway calls span cache hits (sub-ms) to slow mainframes (seconds).
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                   5.0, 10.0, 30.0)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.calls = Counter(
            "mainbridge_tool_calls", "Tool calls by outcome",
            ["tool", "system", "decision", "status", "error_type"], registry=self.registry)
        self.call_seconds = Histogram(
            "mainbridge_tool_call_seconds", "Tool call latency through the gateway",
            ["tool"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.bridge_calls = Counter(
            "mainbridge_bridge_calls", "Bridge exchanges with legacy systems",
            ["system", "protocol", "error_type"], registry=self.registry)
        self.bridge_seconds = Histogram(
            "mainbridge_bridge_call_seconds", "Latency of one bridge exchange (per backend)",
            ["system", "protocol"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.cache_requests = Counter(
            "mainbridge_cache_requests", "Cache lookups by result",
            ["tool", "result"], registry=self.registry)
        self.breaker = Gauge(
            "mainbridge_breaker_state", "1 for the circuit breaker's current state, else 0",
            ["system", "state"], registry=self.registry)
        self.rejections = Counter(
            "mainbridge_rejections", "Calls refused by rate limits, quotas or bulkheads",
            ["kind", "tool", "system"], registry=self.registry)

    # --- called by the gateway's controls (see gateway.observe.ControlMetrics) ---

    def cache(self, tool: str, hit: bool) -> None:
        self.cache_requests.labels(tool, "hit" if hit else "miss").inc()

    def breaker_state(self, system: str, state: str) -> None:
        for known in {*BREAKER_STATES, state}:
            self.breaker.labels(system, known).set(1 if known == state else 0)

    def rejected(self, kind: str, tool: str, system: str) -> None:
        self.rejections.labels(kind, tool, system).inc()

    # --- called by the instrumentation ---

    def bridge_call(self, system: str, protocol: str, seconds: float,
                    error_type: str | None) -> None:
        self.bridge_calls.labels(system, protocol, error_type or "none").inc()
        self.bridge_seconds.labels(system, protocol).observe(seconds)

    async def observe(self, record: CallRecord) -> None:
        """A CallObserver: every finished call, allowed or not."""
        known = record.system is not None
        tool = record.tool if known else UNKNOWN
        self.calls.labels(tool, record.system or UNKNOWN, record.decision, str(record.status),
                          record.error_type or "none").inc()
        self.call_seconds.labels(tool).observe(record.latency_ms / 1000)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
