"""CLI: `mainbridge tools export` in three formats, `mainbridge call` following a job."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli import app
from tests.support.servers import TEST_KEYS, ServedApp

runner = CliRunner()


def cli(gateway: ServedApp, role: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--url", gateway.url, "--key", TEST_KEYS[role]])
    return result.exit_code, result.stdout


@pytest.mark.parametrize("fmt", ["openai", "mcp", "openapi"])
def test_tools_export_writes_the_callers_catalog(job_gateway: ServedApp, tmp_path: Path,
                                                 fmt: str) -> None:
    target = tmp_path / f"{fmt}.json"
    code, _ = cli(job_gateway, "sales", "tools", "export", "--format", fmt, "-o", str(target))
    assert code == 0
    exported = json.loads(target.read_text())
    if fmt == "openai":
        names = {t["function"]["name"] for t in exported["tools"]}
    elif fmt == "mcp":
        names = {t["name"] for t in exported["tools"]}
        proposal = next(t for t in exported["tools"] if t["name"] == "send_proposal_email")
        assert proposal["inputSchema"]["required"] == ["customer_id", "product_code", "message"]
    else:
        names = {p.removeprefix("/tools/") for p in exported["paths"] if p.startswith("/tools/")}
    assert {"send_proposal_email", "get_product_price", "list_products"} <= names
    if fmt != "openapi":  # OpenAPI documents every tool; the others only the caller's
        assert "get_recent_transactions" not in names


def test_call_follows_a_job_to_its_result(job_gateway: ServedApp) -> None:
    code, out = cli(job_gateway, "support", "call", "slow_report", "steps:=20")
    assert code == 0
    job = json.loads(out)
    assert job["state"] == "succeeded" and job["result"]["data"]["product_code"] == "SLOW-20"


def test_call_of_a_failing_job_exits_non_zero(job_gateway: ServedApp) -> None:
    code, out = cli(job_gateway, "sales", "call", "send_proposal_email", "customer_id=C999999",
                    "product_code=LN-PERS", "message=hi")
    assert code == 1 and json.loads(out)["error"]["type"] == "not_found"
