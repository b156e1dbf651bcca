"""The `mainbridge` command line: serve the gateway, run emulators, list and call tools."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import tempfile
import threading
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
import uvicorn

from gateway.app import create_app
from gateway.cli_audit import audit_app
from gateway.cli_batch import batch_app
from gateway.cli_new import new_app
from gateway.cli_suites import record_command, replay_command
from gateway.cli_tools import follow_job, tools_export, worker_command
from gateway.demo import demo_settings, start_emulators
from gateway.logs import configure_logging
from gateway.runtime import Runtime
from gateway.settings import DEMO_KEYS, load_settings

app = typer.Typer(help="mainbridge: legacy systems as safe tools for AI agents.",
                  no_args_is_help=True, add_completion=False)
emulators_app = typer.Typer(help="Run the mock legacy systems.", no_args_is_help=True)
tools_app = typer.Typer(help="Inspect the tools a gateway offers.", no_args_is_help=True)
app.add_typer(emulators_app, name="emulators")
app.add_typer(tools_app, name="tools")
tools_app.command("export")(tools_export)
app.command("worker")(worker_command)
app.command("record")(record_command)
app.command("replay")(replay_command)
app.add_typer(audit_app, name="audit")
app.add_typer(batch_app, name="batch")
app.add_typer(new_app, name="new")

DEFAULT_URL = os.environ.get("MAINBRIDGE_URL", "http://127.0.0.1:8000")
UrlOpt = Annotated[str, typer.Option("--url", help="Gateway URL (MAINBRIDGE_URL)")]
KeyOpt = Annotated[str | None, typer.Option(
    "--key", help="API key (MAINBRIDGE_API_KEY; default: the demo admin key)")]


def tcp_socket(host: str, port: int) -> socket.socket:
    """A listening socket made with IPPROTO_TCP so uvicorn sets TCP_NODELAY (no 40 ms stall)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(256)
    return sock


@app.command()
def serve(
    demo: Annotated[bool, typer.Option("--demo", help="Start every emulator and demo agents")]
    = False,
    config: Annotated[Path | None, typer.Option("--config", help="TOML settings file")] = None,
    host: Annotated[str | None, typer.Option("--host")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Default 8000 (MAINBRIDGE_PORT)")]
    = None,
) -> None:
    """Serve the gateway (with --demo: plus all emulators and the demo agents)."""
    overrides: dict[str, Any] = {k: v for k, v in {"host": host, "port": port}.items() if v}
    config = config or (Path(os.environ["MAINBRIDGE_CONFIG"])
                        if os.environ.get("MAINBRIDGE_CONFIG") else None)
    settings = load_settings(config, **overrides)
    configure_logging(settings.log_level)
    with ExitStack() as stack:
        if demo:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mainbridge-")))
            settings = demo_settings(settings, start_emulators(stack, workdir))
        runtime = Runtime(settings)
        sock = tcp_socket(settings.host, settings.port)
        url = f"http://{settings.host}:{sock.getsockname()[1]}"
        print_banner(url, runtime, demo)
        # Ctrl-C must stop promptly even with agents' event streams open.
        server = uvicorn.Server(uvicorn.Config(create_app(runtime), log_level="warning",
                                               access_log=False, timeout_graceful_shutdown=10))
        # uvicorn re-raises SIGTERM after its shutdown; exit through the ExitStack instead, so
        # every emulator and temporary folder is cleaned up as on Ctrl-C.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
        server.run(sockets=[sock])


def print_banner(url: str, runtime: Runtime, demo: bool) -> None:
    typer.echo(f"mainbridge gateway on {url}  ({len(runtime.registry.all())} tools; "
               f"systems: {', '.join(sorted(runtime.bridges)) or 'none'})")
    if demo:
        typer.echo("demo agents (API keys): " + ", ".join(
            f"{name}={key}" for name, key in DEMO_KEYS.items()))
        typer.echo(f"  curl -s {url}/tools -H 'Authorization: Bearer demo-support-key'")
        typer.echo(f"  curl -s -X POST {url}/tools/get_recent_transactions "
                   "-H 'Authorization: Bearer demo-support-key' "
                   "-H 'Content-Type: application/json' "
                   "-d '{\"account_id\": \"1000000001\", \"limit\": 5}'")
    typer.echo("Ctrl-C stops the gateway and every process it started.")


@emulators_app.command("up")
def emulators_up(
    workdir: Annotated[Path | None, typer.Option(help="Where emulator state lives")] = None,
) -> None:
    """Start every emulator and print how to reach each system; Ctrl-C stops them."""
    with ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mainbridge-")))
        workdir.mkdir(parents=True, exist_ok=True)
        systems = start_emulators(stack, workdir)
        typer.echo(json.dumps({"systems": systems}, indent=2, default=str))
        typer.echo("emulators up; Ctrl-C stops them")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with suppress(KeyboardInterrupt):
            stop.wait()


def _client(url: str, key: str | None) -> httpx.Client:
    key = key or os.environ.get("MAINBRIDGE_API_KEY") or DEMO_KEYS["admin"]
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60)


@tools_app.command("list")
def tools_list(url: UrlOpt = DEFAULT_URL, key: KeyOpt = None) -> None:
    """List the tools the caller may use (GET /tools)."""
    with _client(url, key) as client:
        response = client.get("/tools")
    if response.status_code != 200:
        typer.echo(response.text, err=True)
        raise typer.Exit(1)
    for entry in response.json()["tools"]:
        fn = entry["function"]
        typer.echo(f"{fn['name']:<28} {fn['description']}")


def parse_pairs(pairs: list[str]) -> dict[str, Any]:
    """`key=value` sends a string; `key:=json` sends a JSON value (number, list, ...)."""
    arguments: dict[str, Any] = {}
    for pair in pairs:
        if ":=" in pair and pair.index(":=") < pair.find("=") + 1:
            key, _, raw = pair.partition(":=")
            try:
                arguments[key] = json.loads(raw)
            except ValueError:
                raise typer.BadParameter(f"{pair!r}: not valid JSON after ':='") from None
        elif "=" in pair:
            key, _, value = pair.partition("=")
            arguments[key] = value
        else:
            raise typer.BadParameter(f"{pair!r}: expected key=value or key:=json")
    return arguments


@app.command()
def call(
    tool: Annotated[str, typer.Argument(help="Tool name")],
    pairs: Annotated[list[str] | None, typer.Argument(help="key=value or key:=json")] = None,
    url: UrlOpt = DEFAULT_URL,
    key: KeyOpt = None,
) -> None:
    """Call one tool and print its ToolResult (or error) as JSON."""
    with _client(url, key) as client:
        response = client.post(f"/tools/{tool}", json=parse_pairs(pairs or []))
        if response.status_code == 202:  # a long-running tool: follow its job
            raise typer.Exit(follow_job(client, response.json()))
    typer.echo(json.dumps(response.json(), indent=2, ensure_ascii=False))
    if response.status_code != 200:
        raise typer.Exit(1)
