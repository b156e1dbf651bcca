"""SOAP bench: a zeep call through the bridge beside a raw httpx + lxml POST of the same
envelope (goal <= 1.5x the raw time), and uncached tool calls/s through the gateway.

Both sides call the same emulator endpoint in the same process, alternately.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters import crm, sanctions, ticketing
from bridges.secrets import MemorySecretStore
from bridges.soap import SoapBridge, SoapCall
from emulators.soap import SoapEmulator
from tests.support.servers import serve_gateway

V2 = "http://acme-crm.example/CustomerService/2016"
ENVELOPE = (f'<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/">'
            f'<soap-env:Body><ns0:getCustomer xmlns:ns0="{V2}"><ns0:customerNumber>C000001'
            "</ns0:customerNumber></ns0:getCustomer></soap-env:Body></soap-env:Envelope>")
RAW_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def raw_call(client: httpx.Client, url: str) -> dict[str, Any]:
    """What a hand-rolled client does: POST the envelope, parse, pick the fields out."""
    reply = client.post(url, content=ENVELOPE.encode(), headers={
        "Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"urn:getCustomer"'})
    customer = etree.fromstring(reply.content, RAW_PARSER).find(f".//{{{V2}}}customer")
    assert customer is not None
    return {etree.QName(el).localname: el.text for el in customer.iter() if len(el) == 0}


def per_call_ms(run: Callable[[], object], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        run()
    return (time.perf_counter() - started) * 1000 / calls


def wire_ratio(emulator: SoapEmulator, repeats: int, calls: int) -> dict[str, float]:
    url = emulator.url("/crm/v2")
    bridge = SoapBridge.from_config("crm", crm.system_config(url, "v2"), MemorySecretStore())
    call = SoapCall("getCustomer", {"customerNumber": "C000001"})
    zeep_ms, raw_ms = [], []
    with httpx.Client(timeout=10) as client:
        assert bridge.exchange_blocking(call)["customerNumber"] == raw_call(client, url)[
            "customerNumber"]
        for _ in range(repeats):  # alternate so both see the same machine state
            zeep_ms.append(per_call_ms(lambda: bridge.exchange_blocking(call), calls))
            raw_ms.append(per_call_ms(lambda: raw_call(client, url), calls))
    asyncio.run(bridge.close())
    zeep, raw = statistics.median(zeep_ms), statistics.median(raw_ms)
    return {"zeep_call_ms": zeep, "raw_call_ms": raw, "ratio": zeep / raw}


async def _hammer(url: str, key: str, ticket_id: str, seconds: float, concurrency: int) -> int:
    done = 0
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(base_url=url, timeout=30,
                                 headers={"Authorization": f"Bearer {key}"}) as client:
        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                reply = await client.post("/tools/get_ticket", json={"ticket_id": ticket_id})
                assert reply.status_code == 200, reply.text
                done += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done


def gateway_rate(emulator: SoapEmulator, seconds: float, concurrency: int) -> float:
    from tests.support.servers import TEST_KEYS

    systems = {"crm": crm.system_config(emulator.url("/crm/v2")),
               "ticketing": ticketing.system_config(emulator.url("/ticketing")),
               "sanctions": sanctions.system_config(emulator.url("/sanctions"))}
    secrets = MemorySecretStore({"ticketing.password": emulator.ticketing_password})
    roles = {"support": ["get_ticket", "create_support_ticket"]}
    with serve_gateway(systems, roles, secrets=secrets) as gateway, \
            gateway.client("support") as client:
        created = client.post("/tools/create_support_ticket", json={
            "title": "bench", "description": "bench", "priority": "low",
            "idempotency_key": f"bench-{time.time_ns()}"})
        ticket_id = created.json()["data"]["ticket_id"]
        count = asyncio.run(_hammer(gateway.url, TEST_KEYS["support"], ticket_id, seconds,
                                    concurrency))
    return count / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (< 30 s)")
    args = parser.parse_args()
    repeats, calls, seconds = (3, 100, 3.0) if args.quick else (7, 300, 10.0)
    with SoapEmulator() as emulator:
        ratio = wire_ratio(emulator, repeats, calls)
        rate = gateway_rate(emulator, seconds, concurrency=8)
    print(f"{'measure':<40} {'value':>10}")
    print(f"{'zeep call via bridge (ms/call)':<40} {ratio['zeep_call_ms']:>10.3f}")
    print(f"{'raw httpx + lxml POST (ms/call)':<40} {ratio['raw_call_ms']:>10.3f}")
    print(f"{'zeep / raw':<40} {ratio['ratio']:>10.2f}")
    print(f"{'get_ticket via gateway (calls/s, c=8)':<40} {rate:>10.0f}")
    results = {"zeep_call_ms": round(ratio["zeep_call_ms"], 3),
               "raw_call_ms": round(ratio["raw_call_ms"], 3),
               "zeep_vs_raw_ratio": round(ratio["ratio"], 3),
               "gateway_tool_calls_per_s": round(rate, 1)}
    goals = {"zeep_vs_raw_ratio": {"target": 1.5, "met": ratio["ratio"] <= 1.5}}
    print(json.dumps({"bench": "soap", "results": results, "goals": goals}))


if __name__ == "__main__":
    main()
