"""`mainbridge record` and `mainbridge replay`: QA's golden suites from the command line."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer

from bridges.errors import BridgeError
from gateway.suites.environment import open_environment
from gateway.suites.junit import write_junit
from gateway.suites.operations import live, record, replay
from gateway.suites.runner import SuiteOutcome
from gateway.suites.suite import SuiteFiles, all_suites

EnvOpt = Annotated[str, typer.Option(
    "--env", help="'demo' (start the emulators) or a TOML settings file of a real environment")]
DRIFT, USAGE = 1, 2


def show(outcome: SuiteOutcome) -> None:
    suite = outcome.suite
    if outcome.error:
        typer.echo(f"suite {suite.name} ({outcome.mode}): ERROR {outcome.error}", err=True)
        return
    verdict = f"{len(outcome.drifted)} drifted" if outcome.drifted else "no drift"
    typer.echo(f"suite {suite.name} ({outcome.mode}): {len(outcome.calls)} calls, {verdict}, "
               f"{outcome.seconds:.1f} s")
    for call in outcome.drifted:
        c = call.call
        typer.echo(f"  ✗ {c.id}: {c.tool} as {c.agent} -> HTTP {call.answer.status}")
        for line in call.report():
            typer.echo(f"      {line}")


def record_command(
    suite: Annotated[str, typer.Argument(help="Suite name (fixtures/suites/NAME) or folder")],
    env: EnvOpt = "demo",
) -> None:
    """Run a suite live, keep its wire cassettes (secrets redacted) and its results."""
    try:
        files = SuiteFiles.find(suite)
        with ExitStack() as stack:
            outcome = record(files, open_environment(env, stack))
    except BridgeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(USAGE) from None
    show(outcome)
    if outcome.drifted:
        typer.echo("a check failed: nothing was recorded", err=True)
        raise typer.Exit(DRIFT)
    typer.echo(f"recorded {len(outcome.calls)} calls into {files.folder}")


def replay_command(
    suites: Annotated[list[str] | None, typer.Argument(
        help="Suite names (fixtures/suites/NAME) or folders")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every suite in fixtures/suites")] = False,
    live_: Annotated[bool, typer.Option(
        "--live", help="Against --env instead of the cassettes")] = False,
    env: EnvOpt = "demo",
    junit: Annotated[Path | None, typer.Option("--junit", help="Write a JUnit XML report")]
    = None,
) -> None:
    """Replay suites offline from their cassettes (or --live) and diff every result."""
    if all_ == bool(suites):
        typer.echo("name one or more suites, or --all", err=True)
        raise typer.Exit(USAGE)
    try:
        chosen = all_suites() if all_ else [SuiteFiles.find(s) for s in suites or []]
        loaded = [files.load() for files in chosen]  # every suite file valid before any run
    except BridgeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(USAGE) from None
    outcomes = []
    for files, suite in zip(chosen, loaded, strict=True):
        try:
            if live_:
                with ExitStack() as stack:
                    outcome = live(files, open_environment(env, stack))
            else:
                outcome = replay(files)
        except BridgeError as exc:
            outcome = SuiteOutcome(suite, "live" if live_ else "replay", [], 0.0,
                                   error=str(exc))
        show(outcome)
        outcomes.append(outcome)
    if junit is not None:
        write_junit(outcomes, junit)
    raise typer.Exit(0 if all(o.ok for o in outcomes) else DRIFT)
