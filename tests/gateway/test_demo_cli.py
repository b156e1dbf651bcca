"""`mainbridge serve --demo` as a user runs it, and the README's examples against it."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
MAINBRIDGE = str(Path(sys.executable).with_name("mainbridge"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def demo() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([MAINBRIDGE, "serve", "--demo", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"demo did not start: {proc.stdout.read() if proc.stdout else ''}")
        time.sleep(0.2)
    yield url
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert proc.returncode is not None


def readme_curls() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    commands = []
    for block in blocks:
        for command in block.replace("\\\n", " ").splitlines():
            if command.strip().startswith("curl"):
                commands.append(command.strip())
    return commands


def test_readme_curl_examples_work_as_written(demo: str) -> None:
    commands = readme_curls()
    assert len(commands) >= 2
    port = demo.rsplit(":", 1)[1]
    for command in commands:
        argv = shlex.split(command.replace("127.0.0.1:8000", f"127.0.0.1:{port}"))
        out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60)
        body = json.loads(out.stdout)
        assert "error" not in body, (command, body)
        if "/tools/" in command:
            assert body["schema"] == "transaction@1" and len(body["data"]) == 5
            assert body["data"][0]["account_id"] == "1000000001"
        else:
            names = {t["function"]["name"] for t in body["tools"]}
            assert "get_recent_transactions" in names


def test_demo_agents_and_roles(demo: str) -> None:
    def names(key: str) -> set[str]:
        response = httpx.get(f"{demo}/tools", headers={"Authorization": f"Bearer {key}"})
        return {t["function"]["name"] for t in response.json()["tools"]}

    assert "get_product_price" in names("demo-sales-key")
    assert "get_product_price" not in names("demo-support-key")
    assert "find_large_transactions" in names("demo-compliance-key")
    assert names("demo-admin-key") >= names("demo-sales-key") | names("demo-support-key")


def test_cli_call_and_tools_list(demo: str) -> None:
    env = {**os.environ, "MAINBRIDGE_URL": demo, "MAINBRIDGE_API_KEY": "demo-support-key"}
    listed = subprocess.run([MAINBRIDGE, "tools", "list"], capture_output=True, text=True,
                            env=env, check=True, timeout=60)
    assert "get_transaction_summary" in listed.stdout
    called = subprocess.run(
        [MAINBRIDGE, "call", "get_transaction_summary", "account_id=1000000001",
         "month=2026-11"], capture_output=True, text=True, env=env, check=True, timeout=60)
    assert json.loads(called.stdout)["data"]["account_id"] == "1000000001"
    typed = subprocess.run(
        [MAINBRIDGE, "call", "get_recent_transactions", "account_id=1000000001", "limit:=2"],
        capture_output=True, text=True, env=env, check=True, timeout=60)
    assert len(json.loads(typed.stdout)["data"]) == 2
    failed = subprocess.run([MAINBRIDGE, "call", "get_recent_transactions",
                             "account_id=9999999999"], capture_output=True, text=True, env=env,
                            timeout=60)
    assert failed.returncode == 1 and json.loads(failed.stdout)["error"]["type"] == "not_found"
