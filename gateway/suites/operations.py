"""Record a suite against live systems, replay it from its cassettes, or re-run it live."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from bridges.errors import ConfigError
from gateway.suites.environment import (
    Environment,
    cassette_files,
    recorded_environment,
    save_recording,
)
from gateway.suites.runner import Answer, SuiteOutcome, expectation, run_suite
from gateway.suites.suite import SuiteFiles


class SecretLeak(ConfigError):
    """A recording holds a credential; nothing of it was kept."""


def leaked_in(texts: dict[str, str], secrets: list[str]) -> list[str]:
    """Names of the texts (cassettes, results) that contain any of the secrets."""
    return [name for name, text in texts.items() if any(s in text for s in secrets)]


def record(files: SuiteFiles, env: Environment) -> SuiteOutcome:
    """Run the suite live with every bridge recording, then keep cassettes and results.

    Everything is written to a scratch folder first and checked for secrets and for the
    suite's checks (never cached, audited); only then do the cassettes, `recording.json` and
    the suite's expectations replace the previous recording.
    """
    suite = files.load()
    with tempfile.TemporaryDirectory(dir=files.folder, prefix=".recording-") as tmp:
        scratch = Path(tmp)
        fresh = scratch / "cassettes"
        outcome, answers = run_suite(suite, env.with_cassettes("record", fresh), "record")
        if outcome.drifted:
            return outcome
        _refuse_leaks(fresh, answers, env)
        _swap_in(fresh, files.cassettes, scratch / "previous")
        save_recording(files, env, {p.name.split(".")[0] for p in cassette_files(files.cassettes)})
        files.save(suite.model_copy(update={"calls": tuple(
            call.model_copy(update={"expect": expectation(suite, call, answer)})
            for call, answer in zip(suite.calls, answers, strict=True))}))
    return outcome


def _refuse_leaks(folder: Path, answers: list[Answer], env: Environment) -> None:
    texts = {p.name: p.read_text(encoding="utf-8", errors="replace")
             for p in cassette_files(folder)}
    texts["results"] = json.dumps([a.body for a in answers], ensure_ascii=False)
    leaks = leaked_in(texts, env.secret_values())
    if leaks:
        raise SecretLeak(f"the recording would hold a secret in {', '.join(leaks)}; "
                         "nothing was kept (a bridge's redaction missed it)")


def _swap_in(fresh: Path, target: Path, previous: Path) -> None:
    """Replace `target` with `fresh`; the old folder goes into the scratch space with it."""
    fresh.mkdir(parents=True, exist_ok=True)
    if target.exists():
        os.replace(target, previous)
    os.replace(fresh, target)


def replay(files: SuiteFiles) -> SuiteOutcome:
    """Offline: every system answers from the suite's cassettes."""
    suite = files.load()
    return run_suite(suite, recorded_environment(files), "replay")[0]


def live(files: SuiteFiles, env: Environment) -> SuiteOutcome:
    """Against live systems (the demo's emulators, staging), compared with the recording."""
    return run_suite(files.load(), env, "live")[0]
