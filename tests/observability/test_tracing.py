"""OpenTelemetry: one span per gateway call, a child span per bridge exchange."""

from __future__ import annotations

from opentelemetry.trace import SpanKind, StatusCode, format_span_id, format_trace_id

from tests.observability.conftest import ObservedFactory, call, metrics_of, tracing_of


def test_call_span_is_the_parent_of_each_bridge_span(observed: ObservedFactory) -> None:
    with observed(state_dir=None) as gateway:
        memory = tracing_of(gateway).memory
        assert memory is not None
        response = call(gateway, "get_recent_transactions",
                        {"account_id": "1000000001", "limit": 2},
                        **{"X-Request-ID": "trace-me-00000001"})
        assert response.status_code == 200
        spans = memory.get_finished_spans()

    calls = [s for s in spans if s.kind == SpanKind.SERVER]
    assert [s.name for s in calls] == ["tool get_recent_transactions"]
    root = calls[0]
    # Background work (change-feed polls) makes root bridge spans of its own: not this call's.
    bridges = [s for s in spans if s.kind == SpanKind.CLIENT and s.parent is not None]
    assert root.attributes is not None and {
        k: root.attributes[k] for k in ("mainbridge.trace_id", "mainbridge.agent",
                                        "mainbridge.tool", "mainbridge.system",
                                        "http.response.status_code")} == {
        "mainbridge.trace_id": "trace-me-00000001", "mainbridge.agent": "support",
        "mainbridge.tool": "get_recent_transactions", "mainbridge.system": "bankdb",
        "http.response.status_code": 200}
    # The ODBC tool checks the account, then reads: two exchanges, both children of the call.
    assert [s.name for s in bridges] == ["bridge odbc bankdb"] * 2
    for span in bridges:
        assert span.parent is not None and span.parent.span_id == root.context.span_id
        assert span.context.trace_id == root.context.trace_id
        assert span.attributes is not None and span.attributes["mainbridge.protocol"] == "odbc"
        assert root.start_time is not None and span.start_time is not None
        assert root.start_time <= span.start_time


def test_failures_mark_spans_and_denials_reach_no_bridge(observed: ObservedFactory) -> None:
    with observed(state_dir=None, controls={"retry": {"attempts": 1}}) as gateway:
        memory = tracing_of(gateway).memory
        assert memory is not None
        assert call(gateway, "get_recent_transactions", {"account_id": "1000000001"},
                    role="sales").status_code == 403
        denied = memory.get_finished_spans()
        memory.clear()
        assert call(gateway, "get_recent_transactions",
                    {"account_id": "9999999999"}).status_code == 404
        missing = memory.get_finished_spans()

    (refused,) = [s for s in denied if s.kind == SpanKind.SERVER]
    assert not [s for s in denied if s.parent is not None]  # no bridge span under a denial
    assert refused.attributes is not None
    assert refused.attributes["mainbridge.decision"] == "deny"
    assert refused.attributes["mainbridge.error_type"] == "forbidden"
    root = next(s for s in missing if s.kind == SpanKind.SERVER)
    assert root.attributes is not None and root.attributes["http.response.status_code"] == 404
    assert root.status.status_code != StatusCode.ERROR  # the caller's 4xx, not a server fault
    assert any(s.kind == SpanKind.CLIENT and s.parent is not None
               and s.parent.span_id == root.context.span_id for s in missing)


def test_without_an_exporter_nothing_is_traced_but_bridges_are_still_timed(
        observed: ObservedFactory) -> None:
    with observed(state_dir=None, trace_exporter="none") as gateway:
        tracing, metrics = tracing_of(gateway), metrics_of(gateway)
        assert call(gateway, "get_recent_transactions",
                    {"account_id": "1000000001"}).status_code == 200
    assert not tracing.enabled and tracing.provider is None  # a no-op tracer, no span objects
    timed = [s.value for m in metrics.registry.collect() for s in m.samples
             if s.name == "mainbridge_bridge_call_seconds_count"]
    assert len(timed) == 1 and timed[0] >= 2  # the call's two exchanges (and any feed polls)


def test_the_call_span_carries_the_request_id_as_its_trace_id(observed: ObservedFactory) -> None:
    with observed(state_dir=None) as gateway:
        memory = tracing_of(gateway).memory
        assert memory is not None
        plain = call(gateway, "get_ledger_balance", {"account_id": "1000000001"})
        (root,) = [s for s in memory.get_finished_spans() if s.kind == SpanKind.SERVER]
    rid = plain.headers["X-Request-ID"]
    assert plain.json()["trace_id"] == rid
    assert format_trace_id(root.context.trace_id) == rid and root.parent is None


def test_an_incoming_traceparent_continues_the_callers_trace(observed: ObservedFactory) -> None:
    trace_hex, parent_hex = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    with observed(state_dir=None) as gateway:
        memory = tracing_of(gateway).memory
        assert memory is not None
        joined = call(gateway, "get_ledger_balance", {"account_id": "1000000001"},
                      traceparent=f"00-{trace_hex}-{parent_hex}-01")
        spans = memory.get_finished_spans()
        memory.clear()
        malformed = call(gateway, "get_ledger_balance", {"account_id": "1000000001"},
                         traceparent=f"00-{'0' * 32}-{parent_hex}-01")
        (fresh,) = [s for s in memory.get_finished_spans() if s.kind == SpanKind.SERVER]
    (root,) = [s for s in spans if s.kind == SpanKind.SERVER]
    # The request id, the ToolResult's trace id and the span's trace id are the caller's.
    assert joined.headers["X-Request-ID"] == joined.json()["trace_id"] == trace_hex
    assert format_trace_id(root.context.trace_id) == trace_hex
    assert root.parent is not None and format_span_id(root.parent.span_id) == parent_hex
    bridge = next(s for s in spans if s.kind == SpanKind.CLIENT and s.parent is not None)
    assert bridge.context.trace_id == root.context.trace_id
    # An invalid traceparent (all-zero trace id) is ignored: a new trace, its own id.
    assert malformed.headers["X-Request-ID"] != "0" * 32 and fresh.parent is None
    assert format_trace_id(fresh.context.trace_id) == malformed.headers["X-Request-ID"]
