"""CLI conveniences: export the tool catalog, follow a job's progress, run a job worker."""

from __future__ import annotations

import asyncio
import json
import os
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

FINAL_STATES = {"succeeded", "failed", "cancelled"}
POLL_S = 0.25


class ExportFormat(StrEnum):
    OPENAI = "openai"
    MCP = "mcp"
    OPENAPI = "openapi"


async def mcp_tools(url: str, key: str) -> list[dict[str, Any]]:
    """tools/list over MCP with the SDK's own client: exactly what an MCP agent will see."""
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    async with create_mcp_http_client(headers={"Authorization": f"Bearer {key}"}) as http, \
            Client(streamable_http_client(f"{url.rstrip('/')}/mcp", http_client=http)) as client:
        listed = await client.list_tools()
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in listed.tools]


def catalog(client: httpx.Client, url: str, key: str, fmt: ExportFormat) -> Any:
    if fmt is ExportFormat.MCP:
        return {"tools": asyncio.run(mcp_tools(url, key))}
    path = "/tools" if fmt is ExportFormat.OPENAI else "/openapi.json"
    response = client.get(path)
    if response.status_code != 200:
        typer.echo(response.text, err=True)
        raise typer.Exit(1)
    return response.json()


def tools_export(
    fmt: Annotated[ExportFormat, typer.Option("--format", help="Catalog format")]
    = ExportFormat.OPENAI,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File (default: stdout)")]
    = None,
    url: Annotated[str | None, typer.Option("--url", help="Gateway URL (MAINBRIDGE_URL)")]
    = None,
    key: Annotated[str | None, typer.Option("--key", help="API key (MAINBRIDGE_API_KEY)")]
    = None,
) -> None:
    """Write the tools the caller may use, for an agent framework (OpenAI, MCP or OpenAPI)."""
    from gateway.cli import DEFAULT_URL, _client  # here: gateway.cli imports this module

    with _client(url or DEFAULT_URL, key) as client:
        token = client.headers["authorization"].partition(" ")[2]
        text = json.dumps(catalog(client, url or DEFAULT_URL, token, fmt), indent=2,
                          ensure_ascii=False)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"wrote {fmt.value} catalog to {output}", err=True)


def follow_job(client: httpx.Client, ticket: dict[str, Any]) -> int:
    """Show a job's progress bar on stderr until it settles; print the job; exit code."""
    console = Console(stderr=True)
    columns = (TextColumn("[bold]{task.fields[tool]}"), BarColumn(), TaskProgressColumn(),
               TimeElapsedColumn(), TextColumn("{task.description}"))
    job: dict[str, Any] = ticket
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task("queued", total=1.0, tool=ticket.get("tool", "job"))
        while job.get("state") not in FINAL_STATES:
            time.sleep(POLL_S)
            response = client.get(ticket["status_url"])
            if response.status_code != 200:
                typer.echo(response.text, err=True)
                return 1
            job = response.json()
            progress.update(bar, completed=job["progress"],
                            description=job["message"] or job["state"])
    typer.echo(json.dumps(job, indent=2, ensure_ascii=False))
    return 0 if job["state"] == "succeeded" else 1


def worker_command(
    config: Annotated[Path | None, typer.Option("--config", help="TOML settings file")] = None,
    concurrency: Annotated[int, typer.Option(help="Jobs run at once by this process")] = 4,
) -> None:
    """Run queued long-running jobs (needs jobs_redis_url); start several for more."""
    from gateway.jobs.worker import serve  # the queue library loads only for workers
    from gateway.logs import configure_logging
    from gateway.settings import load_settings

    config = config or (Path(os.environ["MAINBRIDGE_CONFIG"])
                        if os.environ.get("MAINBRIDGE_CONFIG") else None)
    settings = load_settings(config)
    configure_logging(settings.log_level)
    asyncio.run(serve(settings, concurrency))
