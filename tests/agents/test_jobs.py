"""Jobs: 202 + status URL, progress, results and typed errors, owner-only, cancel, email."""

from __future__ import annotations

import json
import time

import jwt

from bridges.secrets import MemorySecretStore
from emulators.bankdb import SqliteBankDb
from emulators.smtp import MailServer
from gateway.registry import load_tools
from gateway.webhooks import verify
from tests.agents.conftest import WEBHOOK_KEY, job_roles, wait_job
from tests.agents.receiver import Receiver
from tests.agents.slow_tools import SLOW_TOOLS
from tests.conftest import odbc_system
from tests.support.servers import ServedApp, serve_gateway

PROPOSAL = {"customer_id": "C000001", "product_code": "LN-PERS",
            "message": "As discussed on the phone, here is the loan offer."}


def test_send_proposal_email_is_a_job_whose_result_carries_the_message_id(
        job_gateway: ServedApp, mail_faults: MailServer) -> None:
    before = len(mail_faults.messages())
    with job_gateway.client("sales") as client:
        accepted = client.post("/tools/send_proposal_email", json=PROPOSAL)
        assert accepted.status_code == 202, accepted.text
        ticket = accepted.json()
        assert ticket["state"] == "queued" and accepted.headers["location"] == ticket["status_url"]
        job = wait_job(client, ticket["job_id"])
    assert job["state"] == "succeeded", job
    assert job["progress"] == 1.0
    result = job["result"]
    assert result["schema"] == "email_delivery@1" and result["source"]["system"] == "mail"
    delivery = result["data"]
    assert delivery["recipient"] == "john.doe@example.com" and delivery["attempts"] == 1
    received = mail_faults.messages()[before:]
    assert len(received) == 1
    message = received[0].message
    assert message["Message-ID"] == delivery["message_id"]
    assert received[0].recipients == ["john.doe@example.com"]
    assert message["Subject"] == "Your offer: Personal loan"
    body = message.get_content()
    assert "Dear John Doe" in body and PROPOSAL["message"] in body and "LN-PERS" in body


def test_a_busy_relay_is_retried_and_said(job_gateway: ServedApp,
                                          mail_faults: MailServer) -> None:
    mail_faults.faults.defer_next = 2
    before = len(mail_faults.messages())
    with job_gateway.client("sales") as client:
        ticket = client.post("/tools/send_proposal_email", json=PROPOSAL).json()
        job = wait_job(client, ticket["job_id"])
    assert job["state"] == "succeeded", job
    assert job["result"]["data"]["attempts"] == 3
    assert any("attempt 3" in w for w in job["result"]["warnings"])
    assert len(mail_faults.messages()) == before + 1  # deferred attempts left nothing behind


def test_a_refused_message_fails_the_job_with_a_typed_error(
        job_gateway: ServedApp, mail_faults: MailServer) -> None:
    mail_faults.faults.refuse_next = 1
    with job_gateway.client("sales") as client:
        ticket = client.post("/tools/send_proposal_email", json=PROPOSAL).json()
        job = wait_job(client, ticket["job_id"])
    assert job["state"] == "failed"
    assert job["error"]["type"] == "remote_fault" and job["error"]["code"] == "554"
    assert job["error"]["status"] == 502 and job["error"]["retriable"] is False
    assert "result" not in job


def test_unknown_customer_fails_as_not_found(job_gateway: ServedApp) -> None:
    with job_gateway.client("sales") as client:
        ticket = client.post("/tools/send_proposal_email",
                             json={**PROPOSAL, "customer_id": "C999999"}).json()
        job = wait_job(client, ticket["job_id"])
    assert job["state"] == "failed" and job["error"]["type"] == "not_found"


def test_submission_is_refused_at_once_when_not_allowed_or_invalid(
        job_gateway: ServedApp) -> None:
    with job_gateway.client("support") as client:
        assert client.post("/tools/send_proposal_email", json=PROPOSAL).status_code == 403
    with job_gateway.client("sales") as client:
        bad = client.post("/tools/send_proposal_email", json={**PROPOSAL, "customer_id": "x"})
        assert bad.status_code == 422
        assert bad.json()["error"]["fields"][0]["field"] == "customer_id"


def test_only_the_owner_or_an_admin_sees_a_job(job_gateway: ServedApp) -> None:
    with job_gateway.client("support") as owner:
        ticket = owner.post("/tools/slow_report", json={"steps": 2}).json()
        wait_job(owner, ticket["job_id"])
    with job_gateway.client("sales") as other:
        for method in ("GET", "DELETE"):
            response = other.request(method, ticket["status_url"])
            assert response.status_code == 404
            assert response.json()["error"]["type"] == "job_not_found"
    with job_gateway.client("admin") as admin:
        assert admin.get(ticket["status_url"]).json()["state"] == "succeeded"
    with job_gateway.client(None) as anonymous:
        assert anonymous.get(ticket["status_url"]).status_code == 401


def test_progress_is_reported_and_a_running_job_can_be_cancelled(
        job_gateway: ServedApp) -> None:
    with job_gateway.client("support") as client:
        ticket = client.post("/tools/slow_report", json={"steps": 5000}).json()
        running = wait_job(client, ticket["job_id"],
                           until=lambda j: j["state"] == "running" and j["progress"] > 0)
        assert running["message"].startswith("step ")
        cancelled = client.delete(ticket["status_url"])
        assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
        settled = wait_job(client, ticket["job_id"])
        assert settled["state"] == "cancelled" and settled["progress"] < 1.0
        # Cancelling a finished job changes nothing.
        assert client.delete(ticket["status_url"]).json()["state"] == "cancelled"
        # The runner is free again: the next job completes.
        after = client.post("/tools/slow_report", json={"steps": 1}).json()
        assert wait_job(client, after["job_id"])["state"] == "succeeded"


def test_completion_webhook_is_signed_retried_and_recorded(job_gateway: ServedApp) -> None:
    receiver = Receiver(fail_first=1)
    with ServedApp(receiver.app()) as hooks, job_gateway.client("support") as client:
        ticket = client.post("/tools/slow_report", json={"steps": 1},
                             headers={"X-Webhook-URL": f"{hooks.url}/hook"}).json()
        job = wait_job(client, ticket["job_id"], until=lambda j: "webhook" in j)
    assert job["webhook"]["attempts"] == 2 and job["webhook"]["status"] == 204
    [delivery] = receiver.accepted()
    signature = delivery.headers["x-mainbridge-signature"]
    assert verify(WEBHOOK_KEY, signature, delivery.body)
    assert not verify(b"another key", signature, delivery.body)
    assert not verify(WEBHOOK_KEY, signature, delivery.body.replace(b"succeeded", b"failed"))
    sent = json.loads(delivery.body)
    assert sent["job_id"] == ticket["job_id"] and sent["state"] == "succeeded"
    assert sent["result"]["data"]["product_code"] == "SLOW-1"


def test_a_webhook_url_must_be_http_to_an_allowed_host(job_gateway: ServedApp) -> None:
    with job_gateway.client("support") as client:
        response = client.post("/tools/slow_report", json={"steps": 1},
                               headers={"X-Webhook-URL": "file:///etc/passwd"})
        internal = client.post("/tools/slow_report", json={"steps": 1},
                               headers={"X-Webhook-URL": "http://10.0.0.5/admin"})
    assert response.status_code == 422
    assert internal.status_code == 422 and "not allowed" in internal.json()["error"]["message"]


def test_a_token_callers_job_runs_with_the_roles_its_token_granted(
        sqlite_bank: SqliteBankDb, roles: dict[str, list[str]]) -> None:
    secret = "test-hs256-secret-for-jobs-0123456789"
    jwt_settings = {"issuer": "https://idp.test", "audience": "mainbridge",
                    "hs256_secret": "idp.hs256"}
    token = jwt.encode({"iss": "https://idp.test", "aud": "mainbridge", "sub": "bot-7",
                        "roles": ["support"], "exp": int(time.time()) + 300}, secret,
                       algorithm="HS256")
    with serve_gateway(odbc_system(sqlite_bank), job_roles(roles), jwt=jwt_settings,
                       secrets=MemorySecretStore({"idp.hs256": secret}),
                       tools=[*load_tools(), *SLOW_TOOLS]) as gateway, \
            gateway.client(None, Authorization=f"Bearer {token}") as client:
        ticket = client.post("/tools/slow_report", json={"steps": 2}).json()
        job = wait_job(client, ticket["job_id"])
    assert job["state"] == "succeeded", job
