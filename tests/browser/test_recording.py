"""The committed recording (fixtures/loans/portal.har) replays with no portal at all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.loans import system_config
from bridges.secrets import MemorySecretStore
from emulators.dataset import fixtures_dir
from tests.browser.conftest import expected
from tests.support.servers import ServedApp, serve_gateway

pytestmark = pytest.mark.browser
HAR = fixtures_dir() / "loans" / "portal.har"
BASE_URL = "http://loans.portal.invalid"  # not resolvable: only the HAR can answer


@pytest.fixture(scope="module")
def replay_gateway(roles: dict[str, list[str]], tmp_path_factory: pytest.TempPathFactory) -> (
    Iterator[ServedApp]
):
    diagnostics: Path = tmp_path_factory.mktemp("replay-diagnostics")
    system = system_config(BASE_URL, replay_har=str(HAR), contexts=1,
                           diagnostics_dir=str(diagnostics))
    with serve_gateway({"loans": system}, roles, MemorySecretStore()) as served:
        yield served


def test_recorded_calls_replay_offline(replay_gateway: ServedApp) -> None:
    with replay_gateway.client("admin") as http:
        john = http.post("/tools/list_loans", json={"customer_id": "C000001"})
        marta = http.post("/tools/list_loans", json={"customer_id": "C000013"})
        status = http.post("/tools/get_loan_status", json={"loan_id": "L0000001"})
        check = http.post("/tools/check_loan_eligibility",
                          json={"customer_id": "C000001", "amount": "10000", "term_months": 36})
    assert john.status_code == 200, john.text
    assert john.json()["data"] == [expected("L0000001")]
    assert [loan["borrower_name"] for loan in marta.json()["data"]] == ["Marta Jørgensen"] * 2
    assert status.json()["data"] == expected("L0000001")
    assert check.json()["data"]["monthly_payment"] == {"amount": "312.90", "currency": "USD"}


def test_a_call_not_recorded_is_a_replay_miss(replay_gateway: ServedApp) -> None:
    with replay_gateway.client("admin") as http:
        reply = http.post("/tools/get_loan_status", json={"loan_id": "L0000002"})
    assert reply.status_code == 500  # ReplayMiss is a ConfigError: the recording lacks it
    assert reply.json()["error"]["type"] == "replay_miss"
