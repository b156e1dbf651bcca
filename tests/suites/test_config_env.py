"""A suite of one's own against a configured environment, through the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from emulators.bankdb import SqliteBankDb

MAINBRIDGE = str(Path(sys.executable).with_name("mainbridge"))


def mainbridge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MAINBRIDGE, *args], capture_output=True, text=True, timeout=300,
                          check=False)


def test_record_replay_and_live_against_a_settings_file(sqlite_bank: SqliteBankDb,
                                                        tmp_path: Path) -> None:
    conn = sqlite_bank.connection()
    config = tmp_path / "staging.toml"
    config.write_text(f"""
[systems.bankdb]
bridge = "odbc"
driver = "{conn['driver']}"
database = "{conn['database']}"

[roles]
auditor = ["find_large_transactions", "get_ledger_balance"]
""")
    suite = tmp_path / "auditor"
    suite.mkdir()
    (suite / "suite.json").write_text(json.dumps({
        "format": "mainbridge-suite/1", "name": "auditor", "checks": {"audited": True},
        "calls": [
            {"id": "large", "agent": "auditor", "tool": "find_large_transactions",
             "arguments": {"min_amount": "90000", "since": "2026-01-01"}},
            {"id": "ledger", "agent": "auditor", "tool": "get_ledger_balance",
             "arguments": {"account_id": "1000000001"}, "ignore": ["data.as_of"]},
            {"id": "refused", "agent": "auditor", "tool": "list_products", "arguments": {}}]}))
    run = mainbridge("record", str(suite), "--env", str(config))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "recorded 3 calls" in run.stdout
    recorded = json.loads((suite / "suite.json").read_text())
    large, ledger, refused = (c["expect"] for c in recorded["calls"])
    assert large["status"] == 200 and large["body"]["data"]
    assert all(abs(float(t["amount"]["amount"])) >= 90000 for t in large["body"]["data"])
    assert ledger["body"]["data"]["ledger"] == {"amount": "-167714.10", "currency": "USD"}
    assert "as_of" not in ledger["body"]["data"]  # declared volatile: not stored
    assert refused["status"] == 403
    assert sorted(p.name for p in (suite / "cassettes").iterdir()) == ["bankdb.json"]

    assert mainbridge("replay", str(suite)).returncode == 0  # offline
    live = mainbridge("replay", str(suite), "--live", "--env", str(config))
    assert live.returncode == 0, live.stdout + live.stderr
    assert "auditor (live): 3 calls, no drift" in live.stdout


def test_a_failed_check_keeps_nothing(sqlite_bank: SqliteBankDb, tmp_path: Path) -> None:
    conn = sqlite_bank.connection()
    config = tmp_path / "staging.toml"
    config.write_text(f"""
[systems.bankdb]
bridge = "odbc"
driver = "{conn['driver']}"
database = "{conn['database']}"

[roles]
sales = ["list_products"]
""")
    suite = tmp_path / "catalogue"
    suite.mkdir()
    text = json.dumps({
        "format": "mainbridge-suite/1", "name": "catalogue", "checks": {"never_cached": True},
        "calls": [{"id": f"products-{n}", "agent": "sales", "tool": "list_products",
                   "arguments": {"category": "loan"}} for n in (1, 2)]})
    (suite / "suite.json").write_text(text)
    run = mainbridge("record", str(suite), "--env", str(config))
    # list_products is cached for 5 minutes: the second answer is not fresh from the wire.
    assert run.returncode == 1, run.stdout + run.stderr
    assert "products-2: list_products as sales" in run.stdout
    assert "check never_cached: the answer came from a cache" in run.stdout
    assert "products-1" not in run.stdout
    assert "nothing was recorded" in run.stderr
    assert (suite / "suite.json").read_text() == text
    assert sorted(p.name for p in suite.iterdir()) == ["suite.json"]
