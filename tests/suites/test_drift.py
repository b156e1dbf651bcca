"""A legacy system that changed under us: live replay fails with a diff naming the field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from emulators.dataset import fixtures_dir
from gateway.suites.environment import Environment
from gateway.suites.operations import live
from gateway.suites.runner import SuiteOutcome
from gateway.suites.suite import SuiteFiles


def drifted(outcome: SuiteOutcome) -> dict[str, list[str]]:
    return {c.call.id: c.report() for c in outcome.drifted}


def test_the_unchanged_demo_matches_the_recording(
        suite_copy: Callable[[str], SuiteFiles], demo_env: Callable[..., Environment]) -> None:
    outcome = live(suite_copy("support"), demo_env())
    assert outcome.ok, drifted(outcome)


def test_a_renamed_soap_field_fails_replay_naming_it(
        suite_copy: Callable[[str], SuiteFiles], demo_env: Callable[..., Environment]) -> None:
    env = demo_env(soap_renamed={"emailAddress": "eMail"})
    outcome = live(suite_copy("support"), env)
    report = drifted(outcome)
    # Both calls that read CRM customer records (one customer, one search) drift.
    assert set(report) == {"customer-info", "search-withholds-others"}, report
    text = "\n".join(report["customer-info"])
    assert "status: expected 200, got 502" in text
    assert 'data.email: expected "john.doe@example.com", got (missing)' in text
    # The bridge's error names the element the vendor renamed.
    assert ("error.message: expected (missing), got \"unusable SOAP reply: Unexpected element "
            "'{http://acme-crm.example/CustomerService/2016}eMail'") in text


def test_a_moved_screen_field_fails_replay_naming_it(
        suite_copy: Callable[[str], SuiteFiles], demo_env: Callable[..., Environment],
        tmp_path: Path) -> None:
    # The inquiry map's ledger and available fields trade places; their labels stay put.
    maps = (fixtures_dir() / "tn3270" / "screens.toml").read_text()
    ledger = '{ name = "ledger", row = 12, col = 22,'
    available = '{ name = "available", row = 14, col = 22,'
    assert ledger in maps and available in maps
    moved = tmp_path / "screens.toml"
    moved.write_text(maps.replace(ledger, "@@").replace(available, ledger.replace(
        '"ledger"', '"available"')).replace("@@", available.replace('"available"', '"ledger"')))
    outcome = live(suite_copy("support"), demo_env(screen_maps=moved))
    report = drifted(outcome)
    assert set(report) == {"balance"}, report
    assert report["balance"] == [
        'data.ledger.amount: expected "-167714.10", got "-166714.10"',
        'data.available.amount: expected "-166714.10", got "-167714.10"']
