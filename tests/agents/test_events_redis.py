"""Events on Redis Streams: two gateway replicas share one log; nothing doubles, nothing lost."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bridges.secrets import MemorySecretStore
from emulators.bankdb import SqliteBankDb
from gateway.webhooks import verify
from tests.agents.conftest import WEBHOOK_KEY
from tests.agents.receiver import Receiver
from tests.agents.test_events import TYPE, Sse, book, wait_for
from tests.conftest import odbc_system
from tests.support.servers import ServedApp, serve_gateway


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteBankDb]:
    with SqliteBankDb(tmp_path_factory.mktemp("events-redis") / "bank.db") as db:
        yield db


@pytest.fixture(scope="module")
def replicas(bank: SqliteBankDb, roles: dict[str, list[str]],
             redis_url: str) -> Iterator[tuple[ServedApp, ServedApp]]:
    secrets = MemorySecretStore({"webhook.signing_key": WEBHOOK_KEY.decode()})
    settings = {"secrets": secrets, "events_poll_s": 0.05, "controls": {"redis_url": redis_url}}
    with serve_gateway(odbc_system(bank), roles, **settings) as a, \
            serve_gateway(odbc_system(bank), roles, **settings) as b:
        yield a, b


def test_replicas_share_one_event_log_and_deliver_each_event_once(
        replicas: tuple[ServedApp, ServedApp], bank: SqliteBankDb) -> None:
    a, b = replicas
    receiver = Receiver()
    with ServedApp(receiver.app()) as hooks, a.client("support") as on_a, \
            b.client("support") as on_b:
        assert on_a.post("/events/subscriptions", json={
            "url": f"{hooks.url}/hook", "types": [TYPE]}).status_code == 201
        with on_b.stream("GET", "/events", params={"types": TYPE}) as stream:
            sse = Sse(stream)
            booked = [book(bank, f"{n}.25") for n in (1, 2, 3)]
            seen = sse.read(3)
        wait_for(lambda: len(receiver.accepted()) >= 3)
        # Both replicas polled the same rows; the log holds each change once.
        with on_a.stream("GET", "/events", params={"after": "0"}) as replay:
            everything = Sse(replay).read(3)
        barrier = book(bank, "9.25")
        wait_for(lambda: len(receiver.accepted()) >= 4)
    assert [e["data"]["data"]["transaction"]["transaction_id"] for e in seen] == booked
    assert [e["id"] for e in everything] == [e["id"] for e in seen]
    delivered = [json.loads(d.body) for d in receiver.accepted()]
    assert [d["data"]["transaction"]["transaction_id"] for d in delivered] == [*booked, barrier]
    assert all(verify(WEBHOOK_KEY, d.headers["x-mainbridge-signature"], d.body)
               for d in receiver.accepted())
