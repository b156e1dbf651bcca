"""Jobs survive a gateway restart: a crash mid-job fails it visibly, a safe job resumes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from emulators.bankdb import SqliteBankDb
from emulators.smtp import MailServer
from emulators.soap import SoapEmulator
from gateway.registry import load_tools
from tests.agents.conftest import job_roles, job_systems, wait_job
from tests.agents.slow_tools import SLOW_TOOLS
from tests.conftest import odbc_system
from tests.support import servers
from tests.support.servers import TEST_KEYS, serve_gateway

MAINBRIDGE = str(Path(sys.executable).with_name("mainbridge"))
PROPOSAL = {"customer_id": "C000002", "product_code": "CC-GOLD", "message": "Hello again."}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gateway_process(env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`mainbridge serve` in its own process, configured by MAINBRIDGE_* variables."""
    port = free_port()
    proc = subprocess.Popen([MAINBRIDGE, "serve", "--port", str(port)], env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (
                proc.stdout.read() if proc.stdout else "gateway did not start")
            time.sleep(0.1)
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_a_job_running_at_a_crash_is_failed_visibly_after_restart(
        tmp_path: Path, sqlite_bank: SqliteBankDb, soap: SoapEmulator, mail: MailServer,
        roles: dict[str, list[str]]) -> None:
    env = {"MAINBRIDGE_SYSTEMS": json.dumps(job_systems(sqlite_bank, soap, mail)),
           "MAINBRIDGE_AGENTS": json.dumps({n: a.model_dump()
                                            for n, a in servers.test_agents().items()}),
           "MAINBRIDGE_ROLES": json.dumps(job_roles(roles)),
           "MAINBRIDGE_STATE_DIR": str(tmp_path / "state"),
           "MAINBRIDGE_SECRET_MAIL_PASSWORD": mail.password}
    headers = {"Authorization": f"Bearer {TEST_KEYS['sales']}"}
    mail.faults.stall_s = 5.0  # the relay hangs: the job is mid-delivery when the gateway dies
    try:
        with gateway_process(env) as (proc, url), httpx.Client(base_url=url,
                                                                headers=headers) as client:
            ticket = client.post("/tools/send_proposal_email", json=PROPOSAL).json()
            wait_job(client, ticket["job_id"], until=lambda j: j["message"].startswith(
                "delivering"))
            proc.kill()  # SIGKILL: no shutdown hook runs
            proc.wait()
    finally:
        mail.faults.stall_s = 0.0
    with gateway_process(env) as (_, url), httpx.Client(base_url=url, headers=headers) as client:
        job = wait_job(client, ticket["job_id"])
        assert job["state"] == "failed"
        assert job["error"]["type"] == "interrupted" and not job["error"]["retriable"]
        # The restarted gateway runs new jobs as usual.
        again = client.post("/tools/send_proposal_email", json=PROPOSAL).json()
        assert wait_job(client, again["job_id"])["state"] == "succeeded"


def test_a_job_safe_to_repeat_is_resumed_after_restart(
        tmp_path: Path, sqlite_bank: SqliteBankDb, roles: dict[str, list[str]]) -> None:
    settings = {"state_dir": tmp_path / "state", "tools": [*load_tools(), *SLOW_TOOLS]}
    with serve_gateway(odbc_system(sqlite_bank), job_roles(roles), **settings) as first, \
            first.client("support") as client:
        ticket = client.post("/tools/slow_report", json={"steps": 150}).json()
        wait_job(client, ticket["job_id"], until=lambda j: j["progress"] > 0)
    # Stopped mid-job; a new gateway over the same state directory picks it up again.
    with serve_gateway(odbc_system(sqlite_bank), job_roles(roles), **settings) as second, \
            second.client("support") as client:
        job = wait_job(client, ticket["job_id"])
    assert job["state"] == "succeeded" and job["result"]["data"]["product_code"] == "SLOW-150"

