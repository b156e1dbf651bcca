"""Browser bench: cold (Chromium launch + sign-on + lookup) vs warm (pooled, signed-on context)
tool-call latency, and calls/s with 1 and 4 contexts, against the loans portal emulator.

Every call is the real `get_loan_status` tool through the browser bridge and headless Chromium
(no gateway, so the figures are the bridge's). Goal: warm call p50 <= 0.3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.kit import ToolContext
from adapters.loans import PASSWORD_SECRET, system_config
from adapters.loans.tools import GetLoanStatus
from bridges.browser import BrowserBridge
from bridges.secrets import MemorySecretStore
from emulators.web import LoansPortal

TOOL = GetLoanStatus()
LOANS = [f"L{n:07d}" for n in range(1, 101)]
WARM_GOAL_S = 0.3


def make_bridge(portal: LoansPortal, contexts: int) -> BrowserBridge:
    config = {k: v for k, v in system_config(portal.url, contexts=contexts).items()
              if k != "bridge"}
    return BrowserBridge.from_config("loans", config,
                                     MemorySecretStore({PASSWORD_SECRET: portal.password}))


async def call(bridge: BrowserBridge, loan_id: str) -> float:
    ctx = ToolContext(bridges={"loans": bridge}, trace_id="bench", agent="bench")
    started = time.perf_counter()
    await TOOL.run(TOOL.Params(loan_id=loan_id), ctx)
    return time.perf_counter() - started


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def cold(portal: LoansPortal, runs: int) -> list[float]:
    """A new bridge per call: launch Chromium, open a context, sign on, look up, close."""
    times = []
    for n in range(runs):
        bridge = make_bridge(portal, 1)
        started = time.perf_counter()
        await call(bridge, LOANS[n % len(LOANS)])
        times.append(time.perf_counter() - started)
        await bridge.close()
    return times


async def warm(bridge: BrowserBridge, calls: int) -> list[float]:
    """One signed-on context reused for every call (after one warm-up call)."""
    await call(bridge, LOANS[0])
    return [await call(bridge, LOANS[n % len(LOANS)]) for n in range(calls)]


async def throughput(bridge: BrowserBridge, calls: int) -> float:
    """Calls/s with as many concurrent callers as the bridge has pooled contexts."""
    await asyncio.gather(*(call(bridge, LOANS[n]) for n in range(bridge.size)))  # sign on all
    queue = list(range(calls))

    async def worker() -> None:
        while queue:
            await call(bridge, LOANS[queue.pop() % len(LOANS)])

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(bridge.size)))
    return calls / (time.perf_counter() - started)


async def run(quick: bool) -> dict[str, Any]:
    with LoansPortal() as portal:
        cold_times = await cold(portal, 2 if quick else 8)
        single, pool = make_bridge(portal, 1), make_bridge(portal, 4)
        try:
            warm_times = await warm(single, 12 if quick else 60)
            one = await throughput(single, 10 if quick else 40)
            four = await throughput(pool, 16 if quick else 80)
        finally:
            await single.close()
            await pool.close()
    return {
        "cold_p50_s": statistics.median(cold_times), "cold_p99_s": percentile(cold_times, 99),
        "warm_p50_s": statistics.median(warm_times), "warm_p99_s": percentile(warm_times, 99),
        "calls_per_s_1_context": one, "calls_per_s_4_contexts": four,
        "cold_over_warm_p50": statistics.median(cold_times) / statistics.median(warm_times),
        "speedup_4_over_1": four / one,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer calls (< 30 s)")
    args = parser.parse_args()
    r = asyncio.run(run(args.quick))
    print(f"{'get_loan_status via Chromium':<30} {'p50 s':>8} {'p99 s':>8}")
    print(f"{'cold (launch+sign-on+lookup)':<30} {r['cold_p50_s']:>8.3f} {r['cold_p99_s']:>8.3f}")
    print(f"{'warm (pooled context)':<30} {r['warm_p50_s']:>8.3f} {r['warm_p99_s']:>8.3f}")
    print(f"cold / warm p50: {r['cold_over_warm_p50']:.1f}x")
    print(f"calls/s: 1 context {r['calls_per_s_1_context']:.1f}, 4 contexts "
          f"{r['calls_per_s_4_contexts']:.1f} ({r['speedup_4_over_1']:.2f}x; 2 cores)")
    results = {k: round(v, 3) for k, v in r.items()}
    goals = {"warm_p50_s": {"target": WARM_GOAL_S, "met": r["warm_p50_s"] <= WARM_GOAL_S}}
    print(json.dumps({"bench": "browser", "results": results, "goals": goals}))


if __name__ == "__main__":
    main()
