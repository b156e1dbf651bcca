"""ODBC bench: canonical transactions/s through the bridge beside raw pyodbc fetchmany rows/s.

Same query, same driver, same process, measured alternately; ratio goal >= 0.5x. Runs on the
SQLite3 driver and on PostgreSQL (psqlODBC) in a throwaway server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyodbc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.core_transactions import TXN_COLUMNS, TXN_SELECT, transaction_from_row
from bridges.odbc import OdbcBridge, OdbcSettings, Query, Statement, connection_string
from bridges.secrets import MemorySecretStore
from emulators.bankdb import BankDatabase, PostgresBankDb, SqliteBankDb

STATEMENT = Statement(TXN_SELECT + "ORDER BY t.TXN_ID", TXN_COLUMNS)
BATCH = 10_000


def raw_rows(conn: pyodbc.Connection) -> int:
    cursor = conn.cursor()
    cursor.execute(STATEMENT.sql)
    count = 0
    while chunk := cursor.fetchmany(BATCH):
        count += len(chunk)
    cursor.close()
    return count


async def canonical_rows(bridge: OdbcBridge) -> int:
    count = 0
    async for batch in bridge.stream(Query(STATEMENT), batch_size=BATCH):
        count += len([transaction_from_row(row) for row in batch])
    return count


def best_rate(run: Callable[[], int], repeats: int) -> tuple[float, int]:
    rates, rows = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        rows = run()
        rates.append(rows / (time.perf_counter() - started))
    return statistics.median(rates), rows


def measure(name: str, db: BankDatabase, repeats: int) -> dict[str, Any]:
    settings = OdbcSettings(**db.connection(), fetch_batch=BATCH)
    conn = pyodbc.connect(connection_string(settings, None), autocommit=True)
    bridge = OdbcBridge("bankdb", settings, MemorySecretStore())
    loop = asyncio.new_event_loop()
    raw_rate = canonical_rate = 0.0
    raws, canons = [], []
    for _ in range(repeats):  # alternate so both see the same machine state
        r, rows = best_rate(lambda: raw_rows(conn), 1)
        c, crows = best_rate(lambda: loop.run_until_complete(canonical_rows(bridge)), 1)
        assert rows == crows
        raws.append(r)
        canons.append(c)
    raw_rate, canonical_rate = statistics.median(raws), statistics.median(canons)
    loop.run_until_complete(bridge.close())
    loop.close()
    conn.close()
    return {"driver": name, "rows": rows, "raw": raw_rate, "canonical": canonical_rate,
            "ratio": canonical_rate / raw_rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (< 30 s)")
    args = parser.parse_args()
    repeats = 3 if args.quick else 9
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        with SqliteBankDb(Path(tmp) / "bank.db") as sqlite_db:
            results.append(measure("sqlite3", sqlite_db, repeats))
        with PostgresBankDb() as pg:
            results.append(measure("postgresql", pg, repeats))
    print(f"{'driver':<12} {'rows':>7} {'raw rows/s':>12} {'canonical/s':>12} {'ratio':>6}")
    for r in results:
        print(f"{r['driver']:<12} {r['rows']:>7} {r['raw']:>12,.0f} {r['canonical']:>12,.0f} "
              f"{r['ratio']:>6.2f}")
    metrics: dict[str, float] = {}
    goals: dict[str, dict[str, Any]] = {}
    for r in results:
        d = r["driver"]
        metrics[f"{d}_raw_rows_per_s"] = round(r["raw"])
        metrics[f"{d}_canonical_rows_per_s"] = round(r["canonical"])
        metrics[f"{d}_ratio"] = round(r["ratio"], 3)
        goals[f"{d}_ratio"] = {"target": 0.5, "met": r["ratio"] >= 0.5}
    print(json.dumps({"bench": "odbc", "results": metrics, "goals": goals}))


if __name__ == "__main__":
    main()
