"""Jobs on a Redis queue (saq): the gateway enqueues, several `mainbridge worker` processes run."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from emulators.bankdb import SqliteBankDb
from emulators.smtp import MailServer
from emulators.soap import SoapEmulator
from gateway.jobs.redis_queue import queue_for
from gateway.webhooks import verify
from tests.agents.conftest import WEBHOOK_KEY, job_roles, job_secrets, job_systems, wait_job
from tests.agents.receiver import Receiver
from tests.support import servers
from tests.support.servers import ServedApp, serve_gateway

MAINBRIDGE = str(Path(sys.executable).with_name("mainbridge"))
PROPOSAL = {"customer_id": "C000003", "product_code": "SAV-FLEX", "message": "Queued."}


def workers_up(url: str) -> set[str]:
    async def ask() -> set[str]:
        queue = queue_for(url)
        await queue.connect()
        try:
            return set((await queue.info())["workers"])
        finally:
            await queue.disconnect()
    return asyncio.run(ask())


@pytest.fixture(scope="module")
def setup(sqlite_bank: SqliteBankDb, soap: SoapEmulator, mail: MailServer,
          roles: dict[str, list[str]], redis_url: str) -> Iterator[dict[str, Any]]:
    env = {**os.environ,
           "MAINBRIDGE_SYSTEMS": json.dumps(job_systems(sqlite_bank, soap, mail)),
           "MAINBRIDGE_AGENTS": json.dumps({n: a.model_dump()
                                            for n, a in servers.test_agents().items()}),
           "MAINBRIDGE_ROLES": json.dumps(job_roles(roles)),
           "MAINBRIDGE_JOBS_REDIS_URL": redis_url,
           "MAINBRIDGE_SECRET_MAIL_PASSWORD": mail.password,
           "MAINBRIDGE_SECRET_WEBHOOK_SIGNING_KEY": WEBHOOK_KEY.decode()}
    with ExitStack() as stack:
        gateway = stack.enter_context(serve_gateway(
            job_systems(sqlite_bank, soap, mail), job_roles(roles), secrets=job_secrets(mail),
            jobs_redis_url=redis_url))
        yield {"gateway": gateway, "env": env, "url": redis_url}


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([MAINBRIDGE, "worker", "--concurrency", "2"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_workers(url: str, *procs: subprocess.Popen[bytes]) -> None:
    """Until these very processes take jobs (stopped workers stay listed for a while)."""
    deadline = time.monotonic() + 30
    while not all(any(w.endswith(f"-{p.pid}") for w in workers_up(url)) for p in procs):
        assert time.monotonic() < deadline, f"workers up: {workers_up(url)}"
        assert all(p.poll() is None for p in procs), "a worker exited"
        time.sleep(0.1)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_several_worker_processes_share_the_queue(setup: dict[str, Any],
                                                 mail_faults: MailServer) -> None:
    gateway: ServedApp = setup["gateway"]
    procs = [start_worker(setup["env"]) for _ in range(2)]
    try:
        wait_workers(setup["url"], *procs)
        mail_faults.faults.stall_s = 0.5  # jobs overlap: one worker (2 at once) is not enough
        with gateway.client("sales") as client:
            tickets = [client.post("/tools/send_proposal_email", json=PROPOSAL)
                       for _ in range(4)]
            assert all(t.status_code == 202 for t in tickets)
            jobs = [wait_job(client, t.json()["job_id"]) for t in tickets]
            with gateway.client("support") as other:
                assert other.get(tickets[0].json()["status_url"]).status_code == 404
    finally:
        for proc in procs:
            stop(proc)
    assert [j["state"] for j in jobs] == ["succeeded"] * 4, jobs
    assert len({j["runner"] for j in jobs}) == 2
    sent = {m.message["Message-ID"] for m in mail_faults.messages()}
    assert {j["result"]["data"]["message_id"] for j in jobs} <= sent


def test_a_worker_killed_mid_job_leaves_it_failed_as_interrupted(
        setup: dict[str, Any], mail_faults: MailServer) -> None:
    gateway: ServedApp = setup["gateway"]
    first = start_worker(setup["env"])
    second: subprocess.Popen[bytes] | None = None
    try:
        wait_workers(setup["url"], first)
        mail_faults.faults.stall_s = 30.0
        with gateway.client("sales") as client:
            ticket = client.post("/tools/send_proposal_email", json=PROPOSAL).json()
            running = wait_job(client, ticket["job_id"],
                               until=lambda j: j["message"].startswith("delivering"))
            assert running["runner"].endswith(f"-{first.pid}")
            first.kill()  # SIGKILL: no goodbye
            first.wait()
            second = start_worker(setup["env"])
            job = wait_job(client, ticket["job_id"])
    finally:
        mail_faults.faults.stall_s = 0.0
        stop(first)
        if second is not None:
            stop(second)
    assert job["state"] == "failed" and job["error"]["type"] == "interrupted"


def test_a_queued_job_can_be_cancelled(setup: dict[str, Any],
                                       mail_faults: MailServer) -> None:
    gateway: ServedApp = setup["gateway"]
    worker = start_worker(setup["env"])
    try:
        wait_workers(setup["url"], worker)
        mail_faults.faults.stall_s = 30.0
        with gateway.client("sales") as client:
            ticket = client.post("/tools/send_proposal_email", json=PROPOSAL).json()
            wait_job(client, ticket["job_id"], until=lambda j: j["state"] == "running")
            cancelled = client.delete(ticket["status_url"])
            assert cancelled.status_code == 200
            job = wait_job(client, ticket["job_id"])
    finally:
        mail_faults.faults.stall_s = 0.0
        stop(worker)
    assert job["state"] == "cancelled" and job["message"] == "cancelled by sales"


def test_a_queued_job_calls_its_webhook_signed(setup: dict[str, Any]) -> None:
    gateway: ServedApp = setup["gateway"]
    receiver = Receiver()
    worker = start_worker(setup["env"])
    try:
        wait_workers(setup["url"], worker)
        with ServedApp(receiver.app()) as hooks, gateway.client("sales") as client:
            ticket = client.post("/tools/send_proposal_email", json=PROPOSAL,
                                 headers={"X-Webhook-URL": f"{hooks.url}/hook"}).json()
            job = wait_job(client, ticket["job_id"], until=lambda j: "webhook" in j)
    finally:
        stop(worker)
    assert job["webhook"]["status"] == 204
    [delivery] = receiver.accepted()
    assert verify(WEBHOOK_KEY, delivery.headers["x-mainbridge-signature"], delivery.body)
    body = json.loads(delivery.body)
    assert body["job_id"] == ticket["job_id"] and body["state"] == "succeeded"
    assert body["result"]["data"]["message_id"].startswith("<proposal.")
