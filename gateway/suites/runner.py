"""Run a suite's calls through an in-process gateway and judge each against its expectation.

The gateway is the real one (auth, policy, masking, limits, cache, audit) served over an
in-memory ASGI transport, so replay needs no port and no server. Each agent named by the suite
gets a fresh API key for the run and the role of the same name.
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from gateway.app import create_app
from gateway.audit import AuditLog
from gateway.cli_tools import FINAL_STATES, POLL_S
from gateway.observability import AUDIT_FILE
from gateway.runtime import Runtime
from gateway.settings import AgentConfig, key_hash
from gateway.suites.diff import Difference, differences, without
from gateway.suites.environment import Environment
from gateway.suites.suite import Expectation, Suite, SuiteCall

JOB_FIELDS = ("tool", "state", "result", "error")  # what of a finished job is not volatile
JOB_WAIT_S = 600.0


@dataclass
class Answer:
    """What the gateway answered one call, as an agent would have seen it."""

    status: int
    body: Any
    request_id: str
    seconds: float


@dataclass
class CallOutcome:
    call: SuiteCall
    answer: Answer
    differences: list[Difference] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)

    @property
    def drifted(self) -> bool:
        return bool(self.differences or self.failed_checks)

    def report(self) -> list[str]:
        return [str(d) for d in self.differences] + self.failed_checks


@dataclass
class SuiteOutcome:
    suite: Suite
    mode: str
    calls: list[CallOutcome]
    seconds: float
    error: str | None = None  # the run itself failed (bad environment, no recording)

    @property
    def drifted(self) -> list[CallOutcome]:
        return [c for c in self.calls if c.drifted]

    @property
    def ok(self) -> bool:
        return self.error is None and not self.drifted


def expectation(suite: Suite, call: SuiteCall, answer: Answer) -> Expectation:
    """What `record` stores: the answer without the fields the suite declares volatile."""
    return Expectation(status=answer.status, body=without(answer.body, suite.ignored(call)))


def judge(suite: Suite, call: SuiteCall, answer: Answer, audited: set[str] | None,
          compare: bool = True) -> CallOutcome:
    """Differences from the expectation (unless recording one) and the suite's checks."""
    outcome = CallOutcome(call, answer)
    if compare and call.expect is None:
        outcome.failed_checks.append("no expected result: record the suite first")
    elif compare and call.expect is not None:
        actual = expectation(suite, call, answer)
        if actual.status != call.expect.status:
            outcome.differences.append(Difference("status", call.expect.status, actual.status))
        outcome.differences += differences(call.expect.body, actual.body)
    source = answer.body.get("source") if isinstance(answer.body, dict) else None
    if suite.checks.never_cached and isinstance(source, dict) and source.get("cached"):
        outcome.failed_checks.append("check never_cached: the answer came from a cache")
    if audited is not None and answer.request_id not in audited:
        outcome.failed_checks.append("check audited: no audit record for this call")
    return outcome


async def _finished_job(client: httpx.AsyncClient, ticket: dict[str, Any],
                        headers: dict[str, str]) -> dict[str, Any]:
    """A long-running tool's job once it settles (or as it stands after JOB_WAIT_S)."""
    job, deadline = ticket, time.monotonic() + JOB_WAIT_S
    while job.get("state") not in FINAL_STATES and time.monotonic() < deadline:
        await asyncio.sleep(POLL_S)
        job = (await client.get(ticket["status_url"], headers=headers)).json()
    return {k: job[k] for k in JOB_FIELDS if k in job}


async def _call(client: httpx.AsyncClient, key: str, call: SuiteCall) -> Answer:
    request_id = uuid.uuid4().hex
    headers = {"Authorization": f"Bearer {key}", "X-Request-ID": request_id}
    if call.on_behalf_of:
        headers["X-On-Behalf-Of"] = call.on_behalf_of
    started = time.perf_counter()
    response = await client.post(f"/tools/{call.tool}", json=call.arguments, headers=headers)
    body = response.json()
    if response.status_code == 202 and isinstance(body, dict) and "status_url" in body:
        body = await _finished_job(client, body, headers)
    return Answer(response.status_code, body, request_id, time.perf_counter() - started)


async def _answers(suite: Suite, env: Environment, state_dir: Path) -> list[Answer]:
    keys = {call.agent: f"suite-{secrets.token_hex(16)}" for call in suite.calls}
    settings = env.settings.model_copy(update={
        "agents": {agent: AgentConfig(key_sha256=key_hash(key), roles=[agent])
                   for agent, key in keys.items()},
        "state_dir": state_dir, "change_feeds": False, "jwt": None})
    app = create_app(Runtime(settings, env.secrets))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://mainbridge.suite",
            timeout=120) as client:
        return [await _call(client, keys[call.agent], call) for call in suite.calls]


def audited_requests(state_dir: Path) -> set[str]:
    """Trace ids in the run's audit log; none at all if its hash chain does not verify."""
    log = AuditLog(state_dir / AUDIT_FILE)
    try:
        if not log.verify().ok:
            return set()
        return {r["trace_id"] for r in log.query(limit=1_000_000)}
    finally:
        log.close()


def run_suite(suite: Suite, env: Environment, mode: str) -> tuple[SuiteOutcome, list[Answer]]:
    """Call every tool of the suite in order; the outcome judges them, answers are raw."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mainbridge-suite-") as tmp:
        answers = asyncio.run(_answers(suite, env, Path(tmp)))
        audited = audited_requests(Path(tmp)) if suite.checks.audited else None
    calls = [judge(suite, call, answer, audited, compare=mode != "record")
             for call, answer in zip(suite.calls, answers, strict=True)]
    return SuiteOutcome(suite, mode, calls, time.perf_counter() - started), answers
