"""`mainbridge audit ...`: check the hash-chained audit log without starting a gateway."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from gateway.audit import open_read_only, verify_chain
from gateway.demo import demo_settings
from gateway.observability import audit_path
from gateway.settings import load_settings

audit_app = typer.Typer(help="Inspect the audit log.", no_args_is_help=True)


def configured_db(config: Path | None) -> Path:
    """The store a gateway with these settings writes; unset state_dir means the demo's var/."""
    config = config or (Path(os.environ["MAINBRIDGE_CONFIG"])
                        if os.environ.get("MAINBRIDGE_CONFIG") else None)
    path = audit_path(demo_settings(load_settings(config), {}))
    if path is None:
        raise typer.BadParameter("no state_dir configured; pass --db")
    return path


@audit_app.command("verify")
def verify(
    db: Annotated[Path | None, typer.Option(
        "--db", help="Audit SQLite file (default: the configured state_dir's audit.sqlite3)")]
    = None,
    config: Annotated[Path | None, typer.Option("--config", help="TOML settings file")] = None,
) -> None:
    """Recompute the hash chain; exit 1 and name the first bad record if it was tampered with."""
    path = db or configured_db(config)
    try:
        connection = open_read_only(path)
    except FileNotFoundError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    try:
        verdict = verify_chain(connection)
    finally:
        connection.close()
    if verdict.ok:
        typer.echo(f"audit log intact: {verdict.count} records ({path})")
        return
    typer.echo(f"audit log TAMPERED at record {verdict.first_bad}: {verdict.problem} "
               f"({verdict.count} records verified before it; {path})", err=True)
    raise typer.Exit(1)
