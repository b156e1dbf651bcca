"""Gateway bench: the cost of the controls, and cached calls beside a bare endpoint.

1. Overhead: the same tool (get_product_price: real-time, so every call misses the cache)
   called through the HTTP gateway with every control on (auth, policy, limits, breaker,
   bulkhead, retries, audit, metrics, traces) vs the adapter called directly with the same
   bridge; overhead = gateway latency - direct latency (p50, p99). Goals: <= 1 ms, <= 3 ms.
2. Throughput: a cached tool call vs a bare FastAPI endpoint in the same server, same client,
   measured alternately. Goal >= 0.5x.
3. Fail fast: the HTTP latency of a call whose backend's circuit is open (503). Goal < 5 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.kit import ToolContext
from adapters.products import GetProductPrice, ProductPriceParams
from bridges.odbc import OdbcBridge, OdbcSettings
from bridges.secrets import MemorySecretStore
from emulators.bankdb import SqliteBankDb
from gateway.app import create_app
from gateway.demo import demo_roles
from gateway.runtime import Runtime
from gateway.settings import AgentConfig, Settings, key_hash
from tests.support.servers import ServedApp

KEY = "bench-key-0123456789abcdef"
PRICE = {"product_code": "LN-PERS", "customer_id": "C000002"}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def direct_latencies(db_conn: dict[str, Any], n: int) -> list[float]:
    """The adapter alone: same tool, same bridge settings, no gateway."""
    async def run() -> list[float]:
        bridge = OdbcBridge("bankdb", OdbcSettings(**db_conn), MemorySecretStore())
        tool, params = GetProductPrice(), ProductPriceParams(**PRICE)
        out = []
        for _ in range(n):
            ctx = ToolContext(bridges={"bankdb": bridge}, trace_id="bench", agent="bench")
            started = time.perf_counter()
            await tool.run(params, ctx)
            out.append(time.perf_counter() - started)
        await bridge.close()
        return out

    return asyncio.run(run())


def http_latencies(client: httpx.Client, path: str, body: dict[str, Any] | None,
                   n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.post(path, json=body) if body is not None else client.get(path)
        out.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return out


def open_circuit_latencies(n: int) -> list[float]:
    """A gateway whose database is gone: trip the breaker, then time the fast failures."""
    settings = Settings(
        systems={"bankdb": {"bridge": "odbc", "driver": "SQLite3",
                            "database": "/nonexistent/bank.db", "options": {"NoCreat": "1"}}},
        agents={"bench": AgentConfig(key_sha256=key_hash(KEY), roles=["admin"])},
        roles=demo_roles(),
        controls={"retry": {"attempts": 1},
                  "breaker": {"window": 5, "min_calls": 5, "open_s": 600}})
    with ServedApp(create_app(Runtime(settings))) as served, httpx.Client(
            base_url=served.url, headers={"Authorization": f"Bearer {KEY}"}) as client:
        for _ in range(5):
            client.post("/tools/get_product_price", json=PRICE)
        out = []
        for _ in range(n):
            started = time.perf_counter()
            response = client.post("/tools/get_product_price", json=PRICE)
            out.append(time.perf_counter() - started)
            assert response.json()["error"]["type"] == "circuit_open", response.text
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer calls (< 30 s)")
    args = parser.parse_args()
    n = 200 if args.quick else 1000
    rounds = 3 if args.quick else 5
    with tempfile.TemporaryDirectory() as tmp, SqliteBankDb(Path(tmp) / "bank.db") as db:
        settings = Settings(
            systems={"bankdb": {"bridge": "odbc", **db.connection()}}, state_dir=Path(tmp),
            agents={"bench": AgentConfig(key_sha256=key_hash(KEY), roles=["admin"])},
            roles=demo_roles(),
            controls={"limits": [{"agent": "*", "tool": "*", "rate": "1000000/second"}]})
        app = create_app(Runtime(settings))

        @app.get("/bench/bare")
        async def bare() -> dict[str, str]:
            return {"status": "ok"}

        with ServedApp(app) as served, httpx.Client(
                base_url=served.url, headers={"Authorization": f"Bearer {KEY}"}) as client:
            http_latencies(client, "/tools/get_product_price", PRICE, 50)  # warm up
            direct_latencies(db.connection(), 50)
            gateway, direct = [], []
            for _ in range(rounds):  # alternate: both sides see the same machine state
                gateway += http_latencies(client, "/tools/get_product_price", PRICE, n // rounds)
                direct += direct_latencies(db.connection(), n // rounds)
            client.post("/tools/list_products", json={})  # fill the cache
            cached_rate, bare_rate = [], []
            for _ in range(rounds):
                t = http_latencies(client, "/tools/list_products", {}, n // rounds)
                cached_rate.append(len(t) / sum(t))
                b = http_latencies(client, "/bench/bare", None, n // rounds)
                bare_rate.append(len(b) / sum(b))
    fast = open_circuit_latencies(n // 2)
    ms = 1000.0
    over50 = (pct(gateway, 0.5) - pct(direct, 0.5)) * ms
    over99 = (pct(gateway, 0.99) - pct(direct, 0.99)) * ms
    cached, plain = statistics.median(cached_rate), statistics.median(bare_rate)
    print(f"{'path':<34} {'p50 ms':>8} {'p99 ms':>8}")
    print(f"{'adapter direct (no gateway)':<34} {pct(direct, .5) * ms:>8.3f} "
          f"{pct(direct, .99) * ms:>8.3f}")
    print(f"{'HTTP gateway, all controls, miss':<34} {pct(gateway, .5) * ms:>8.3f} "
          f"{pct(gateway, .99) * ms:>8.3f}")
    print(f"{'overhead':<34} {over50:>8.3f} {over99:>8.3f}")
    print(f"{'open circuit, fails fast (HTTP 503)':<34} {pct(fast, .5) * ms:>8.3f} "
          f"{pct(fast, .99) * ms:>8.3f}")
    print(f"cached tool call {cached:,.0f}/s, bare FastAPI endpoint {plain:,.0f}/s, "
          f"ratio {cached / plain:.2f}")
    results = {"direct_p50_ms": round(pct(direct, .5) * ms, 3),
               "gateway_p50_ms": round(pct(gateway, .5) * ms, 3),
               "overhead_p50_ms": round(over50, 3), "overhead_p99_ms": round(over99, 3),
               "cached_calls_per_s": round(cached), "bare_endpoint_per_s": round(plain),
               "cached_vs_bare_ratio": round(cached / plain, 3),
               "open_circuit_p50_ms": round(pct(fast, .5) * ms, 3)}
    goals = {"overhead_p50_ms": {"target": 1.0, "met": over50 <= 1.0},
             "overhead_p99_ms": {"target": 3.0, "met": over99 <= 3.0},
             "cached_vs_bare_ratio": {"target": 0.5, "met": cached / plain >= 0.5},
             "open_circuit_p50_ms": {"target": 5.0, "met": pct(fast, .5) * ms < 5.0}}
    print(json.dumps({"bench": "gateway", "results": results, "goals": goals}))


if __name__ == "__main__":
    main()
