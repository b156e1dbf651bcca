"""Prometheus /metrics: calls, latencies per tool and per backend, cache, rejections, breakers."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from emulators.bankdb import SqliteBankDb
from tests.observability.conftest import ObservedFactory, call, metrics_of
from tests.support.servers import ServedApp

ACCOUNT = {"account_id": "1000000001", "limit": 3}


def scrape(served: ServedApp) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of GET /metrics (no credentials, like /healthz), keyed by name and labels."""
    with served.client(None) as client:
        response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def sample(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str,
           **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_calls_latencies_and_cache_are_counted(observed: ObservedFactory) -> None:
    limits = {"limits": [{"agent": "sales", "tool": "list_products", "daily_quota": 1}]}
    with observed(controls=limits) as gateway:
        for _ in range(2):  # the second is answered by the cache
            assert call(gateway, "get_recent_transactions", ACCOUNT).status_code == 200
        assert call(gateway, "get_recent_transactions",
                    {"account_id": "9999999999"}).status_code == 404
        assert call(gateway, "made_up_tool_1", {}).status_code == 404
        assert call(gateway, "made_up_tool_2", {}).status_code == 404
        assert call(gateway, "list_products", {}, role="sales").status_code == 200
        assert call(gateway, "list_products", {}, role="sales").status_code == 429
        samples = scrape(gateway)

    calls = "mainbridge_tool_calls_total"
    assert sample(samples, calls, tool="get_recent_transactions", system="bankdb",
                  decision="allow", status="200", error_type="none") == 2
    assert sample(samples, calls, tool="get_recent_transactions", system="bankdb",
                  decision="allow", status="404", error_type="not_found") == 1
    # Unknown tool names are not labels an agent can mint.
    assert sample(samples, calls, tool="<unknown>", system="<unknown>", decision="deny",
                  status="404", error_type="unknown_tool") == 2
    assert not any("made_up" in str(labels) for _, labels in samples)
    assert sample(samples, calls, tool="list_products", system="bankdb", decision="allow",
                  status="429", error_type="rate_limited") == 1

    assert sample(samples, "mainbridge_tool_call_seconds_count",
                  tool="get_recent_transactions") == 3
    assert sample(samples, "mainbridge_tool_call_seconds_bucket",
                  tool="get_recent_transactions", le="+Inf") == 3
    # The backend saw fewer exchanges than calls (cache), each timed per system.
    bridge = sample(samples, "mainbridge_bridge_call_seconds_count", system="bankdb",
                    protocol="odbc")
    assert bridge >= 3 and bridge == sum(
        value for (name, labels), value in samples.items()
        if name == "mainbridge_bridge_calls_total" and ("system", "bankdb") in labels)

    assert sample(samples, "mainbridge_cache_requests_total",
                  tool="get_recent_transactions", result="hit") == 1
    assert sample(samples, "mainbridge_cache_requests_total",
                  tool="get_recent_transactions", result="miss") == 2
    assert sample(samples, "mainbridge_rejections_total", kind="rate_limit",
                  tool="list_products", system="bankdb") == 1


def test_each_app_has_its_own_registry(observed: ObservedFactory) -> None:
    with observed(state_dir=None) as first, observed(state_dir=None) as second:
        call(first, "get_recent_transactions", ACCOUNT)
        assert metrics_of(first) is not metrics_of(second)
        assert sample(scrape(second), "mainbridge_tool_calls_total",
                      tool="get_recent_transactions", system="bankdb", decision="allow",
                      status="200", error_type="none") == 0


def test_breaker_states_show_as_one_gauge_per_state(observed: ObservedFactory,
                                                    sqlite_bank: SqliteBankDb) -> None:
    controls = {"breaker": {"window": 2, "min_calls": 2, "open_s": 600},
                "retry": {"attempts": 1}}
    with observed(controls=controls) as gateway:
        sqlite_bank.set_slow_statements(20)
        try:
            statuses = [call(gateway, "get_recent_transactions", {"account_id": "1000000001",
                                                                 "limit": n}).status_code
                        for n in (1, 2, 3)]
        finally:
            sqlite_bank.set_slow_statements(0)
        samples = scrape(gateway)
    assert statuses == [504, 504, 503]  # two timeouts open the circuit; the third fails fast
    states = {dict(labels)["state"]: value for (name, labels), value in samples.items()
              if name == "mainbridge_breaker_state" and ("system", "bankdb") in labels}
    assert states["open"] == 1 and states["closed"] == 0
