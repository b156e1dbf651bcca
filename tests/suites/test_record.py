"""Recording a suite: cassettes for every protocol, no secret kept, and nothing half-written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gateway.suites.environment import Environment
from gateway.suites.operations import SecretLeak, record, replay
from gateway.suites.suite import SuiteFiles


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_recorded_cassettes_hold_no_secret_and_replay_offline(
        suite_copy: Callable[[str], SuiteFiles], demo_env: Callable[..., Environment]) -> None:
    env = demo_env()
    secrets = env.secret_values()
    # The sign-on passwords of the host, the portal, ticketing and the mail relay, and the
    # SFTP private key (its PEM lines too): every credential the bridges were handed.
    assert len(secrets) >= 5 and any("PRIVATE KEY" in s for s in secrets)
    protocols = set()
    for name in ("support", "compliance"):
        files = suite_copy(name)
        outcome = record(files, env)
        assert outcome.ok, [c.report() for c in outcome.calls]
        for path in [*files.cassettes.iterdir(), files.suite, files.recording]:
            text = path.read_text(encoding="utf-8")
            for secret in secrets:
                assert secret not in text, f"{path.name} holds a secret"
        protocols |= {env.settings.systems[p.name.split(".")[0]]["bridge"]
                      for p in files.cassettes.iterdir() if p.stat().st_size > 200}
        # Only the suite's own calls reach the wire: no change-feed polling in a recording.
        assert "CHG_SEQ" not in (files.cassettes / "bankdb.json").read_text()
        assert replay(files).ok
    assert {"soap", "tn3270", "browser", "odbc", "sftp"} <= protocols


def test_a_recording_that_would_hold_a_secret_is_not_kept(
        suite_copy: Callable[[str], SuiteFiles], demo_env: Callable[..., Environment],
        monkeypatch: pytest.MonkeyPatch) -> None:
    files = suite_copy("sales")
    before = snapshot(files.folder)
    # A credential that the CRM happens to send back: the recording must refuse to keep it.
    monkeypatch.setenv("MAINBRIDGE_SECRET_PROBE", "john.doe@example.com")
    with pytest.raises(SecretLeak, match=r"crm\.json"):
        record(files, demo_env())
    assert snapshot(files.folder) == before
    assert not list(files.folder.glob(".recording-*"))
