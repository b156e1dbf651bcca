"""`mainbridge new adapter`: scaffold a working adapter, its fixture folder and its test."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gateway.scaffold import BRIDGES, REFERENCE_SYSTEMS, Request, ScaffoldError, scaffold

new_app = typer.Typer(help="Write new project parts from templates.", no_args_is_help=True)
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def parse_examples(pairs: list[str]) -> dict[str, str]:
    examples: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"{pair!r}: expected NAME=VALUE", param_hint="--example")
        examples[name] = value
    return examples


@new_app.command("adapter")
def new_adapter(
    name: Annotated[str, typer.Argument(help="Module name: adapters/NAME.py, tools NAME_*")],
    bridge: Annotated[str, typer.Option("--bridge", help=" | ".join(BRIDGES))],
    system: Annotated[str | None, typer.Option(
        "--system", help="Gateway system the tools talk to (default: the bridge's reference "
        "system)")] = None,
    root: Annotated[Path, typer.Option("--root", help="Project root")] = PROJECT_ROOT,
    table: Annotated[str | None, typer.Option(
        "--table", help="odbc: derive a typed query tool from this table's catalog")] = None,
    key: Annotated[list[str] | None, typer.Option(
        "--key", help="odbc: the column(s) to look up by (default: the primary key)")] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", help="odbc: gateway settings (TOML) configuring --system")] = None,
    wsdl: Annotated[Path | None, typer.Option(
        "--wsdl", help="soap: derive the tool from this WSDL's --operation")] = None,
    operation: Annotated[str | None, typer.Option("--operation")] = None,
    copybook: Annotated[Path | None, typer.Option(
        "--copybook", help="sftp: derive the record model from this copybook")] = None,
    example: Annotated[list[str] | None, typer.Option(
        "--example", help="NAME=VALUE of a derived tool's happy call (its contract)")] = None,
) -> None:
    """Scaffold adapters/NAME.py, fixtures/NAME/ and tests/adapters/test_NAME.py."""
    request = Request(name=name, bridge=bridge, root=root.resolve(), system=system,
                      table=table, key=tuple(key or ()), wsdl=wsdl, operation=operation,
                      copybook=copybook, examples=parse_examples(example or []),
                      config=config)
    try:
        written = scaffold(request)
    except ScaffoldError as exc:
        typer.echo(f"mainbridge new adapter: {exc}", err=True)
        raise typer.Exit(2) from None
    for path in written.paths:
        typer.echo(f"wrote {path}")
    typer.echo(f"test it:  .venv/bin/pytest -q {written.test}\n"
               f"lint it:  .venv/bin/ruff check adapters/{name}.py {written.test} && "
               f".venv/bin/mypy adapters/{name}.py\n"
               f"its tools join the gateway (make run) and the contract suite on their own.")
    if request.target_system not in REFERENCE_SYSTEMS:
        typer.echo(f"note: {request.target_system!r} is not a reference system: the contract "
                   "suite fails on its tools until tests/contract/systems.py has a row for it")
