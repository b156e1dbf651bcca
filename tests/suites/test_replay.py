"""Offline replay of the golden suites from their cassettes, through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from adapters.kit import ToolContext
from gateway.suites.operations import replay
from gateway.suites.suite import SuiteFiles, all_suites

CLI = [str(Path(sys.executable).with_name("mainbridge"))]


def mainbridge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300,
                          check=False)


def read_xml(path: Path) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(path.read_bytes(), parser)


def test_the_three_agents_have_recorded_suites() -> None:
    suites = {files.folder.name: files.load() for files in all_suites()}
    assert {"support", "sales", "compliance"} <= set(suites)
    tools = {name: {c.tool for c in s.calls} for name, s in suites.items()}
    assert {"get_customer_info", "get_account_balance", "get_recent_transactions",
            "get_loan_status", "create_support_ticket"} <= tools["support"]
    assert {"find_customer", "list_products", "get_product_price"} <= tools["sales"]
    assert {"screen_sanctions", "find_large_transactions", "list_batch_files",
            "get_batch_transactions"} <= tools["compliance"]
    assert suites["compliance"].checks.never_cached and suites["compliance"].checks.audited
    assert suites["sales"].checks.never_cached
    for suite in suites.values():
        assert all(c.expect is not None for c in suite.calls), suite.name


def test_every_suite_replays_offline_with_no_drift(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    run = mainbridge("replay", "--all", "--junit", str(report))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "support (replay): 10 calls, no drift" in run.stdout
    root = read_xml(report)
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert {"support", "sales", "compliance"} <= set(suites)
    assert all(s.get("failures") == "0" and s.get("errors") == "0" for s in suites.values())
    cases = suites["compliance"].findall("testcase")
    assert len(cases) == 6 and cases[0].get("name") == "sanctions-hit (screen_sanctions)"


def edit_expectation(files: SuiteFiles, call_id: str, edit: Callable[[dict], None]) -> None:
    data = json.loads(files.suite.read_text())
    edit(next(c for c in data["calls"] if c["id"] == call_id)["expect"])
    files.suite.write_text(json.dumps(data))


def test_drift_is_a_field_level_diff_a_nonzero_exit_and_a_junit_failure(
        suite_copy: Callable[[str], SuiteFiles], tmp_path: Path) -> None:
    files = suite_copy("support")
    edit_expectation(files, "customer-info",
                     lambda e: e["body"]["data"].update(email="john@old-crm.example"))
    edit_expectation(files, "loan-status", lambda e: e.update(status=404))
    report = tmp_path / "junit.xml"
    run = mainbridge("replay", str(files.folder), "--junit", str(report))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "2 drifted" in run.stdout
    assert "customer-info: get_customer_info as support" in run.stdout
    assert ('data.email: expected "john@old-crm.example", got "john.doe@example.com"'
            in run.stdout)
    assert "status: expected 404, got 200" in run.stdout
    failures = {f.getparent().get("name"): f for f in read_xml(report).iter("failure")}
    assert set(failures) == {"customer-info (get_customer_info)", "loan-status (get_loan_status)"}
    assert "data.email" in failures["customer-info (get_customer_info)"].get("message")


def test_unknown_suites_and_missing_recordings_are_usage_errors(
        suite_copy: Callable[[str], SuiteFiles]) -> None:
    run = mainbridge("replay", "no-such-suite")
    assert run.returncode == 2 and "no suite 'no-such-suite'" in run.stderr
    assert "support" in run.stderr  # the known suites are listed
    files = suite_copy("sales")
    files.recording.unlink()
    run = mainbridge("replay", str(files.folder))
    assert run.returncode == 1
    assert "has no recording yet: run `mainbridge record" in run.stderr
    assert mainbridge("replay").returncode == 2  # neither a suite nor --all


def test_replay_does_not_depend_on_the_day_it_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A recording made today must replay next year: nothing a tool stamps with the time
    (a quote's date in an e-mail, an as-of) may end up in what a cassette is matched by."""
    later = datetime(2027, 6, 1, 9, 30, tzinfo=UTC)
    monkeypatch.setattr(ToolContext, "now", staticmethod(lambda: later))
    for files in all_suites():
        outcome = replay(files)
        assert outcome.ok, (files.folder.name, [c.report() for c in outcome.drifted])
