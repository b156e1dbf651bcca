"""One record/replay switch for every bridge: `cassette_config` merged over a system's config.

For each protocol: record live against its emulator, stop the emulator, then replay the same
calls with an empty secret store. This is the contract QA's suite runner relies on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from adapters import core_banking, loans, proposals, ticketing
from adapters.core_banking.screens import ACCOUNT_INQUIRY
from adapters.kit import ToolContext
from adapters.loans.tools import ListLoans
from bridges.base import Bridge
from bridges.errors import ConfigError, RemoteFault
from bridges.odbc import ColumnType, Query, Statement, char
from bridges.secrets import MemorySecretStore
from bridges.sftp import list_folder, read_file
from bridges.soap import SoapCall
from bridges.tn3270 import FlowCall
from emulators.bankdb import SqliteBankDb
from emulators.sftp import SftpEmulator
from emulators.smtp import USERNAME as MAIL_USER
from emulators.smtp import MailServer
from emulators.soap import SoapEmulator
from emulators.tn3270 import Tn3270Host
from emulators.web import LoansPortal
from gateway.systems import BRIDGE_CLASSES, bridge_class, build_bridges

Ask = Callable[[Any], Awaitable[Any]]


@dataclass
class Live:
    """A running emulator as the runner sees it: a system config and the secrets it needs."""

    system: str
    config: dict[str, Any]
    secrets: dict[str, str]
    forbidden: tuple[str, ...] = field(default=())  # more text a cassette must not hold


# -- one emulator and one small conversation per protocol ----------------------------------
@contextmanager
def soap_server(tmp_path: Path) -> Iterator[Live]:
    with SoapEmulator(sanctions_latency_s=0.0) as emulator:
        yield Live("ticketing", ticketing.system_config(emulator.url("/ticketing")),
                   {"ticketing.password": emulator.ticketing_password})


async def soap_ask(bridge: Any) -> Any:
    created = await bridge.exchange(SoapCall("CreateTicket", {
        "Title": "Switch", "Description": "recorded for replay", "Priority": "LOW"}))
    return await bridge.exchange(SoapCall("GetTicket", {"TicketId": created["TicketId"]}))


@contextmanager
def tn3270_server(tmp_path: Path) -> Iterator[Live]:
    with Tn3270Host() as host:
        yield Live("corebanking", core_banking.system_config(host.port),
                   {"corebanking.password": host.password})


async def tn3270_ask(bridge: Any) -> Any:
    return (await bridge.exchange(FlowCall(ACCOUNT_INQUIRY, {"account_id": "1000000001"}))).values


@contextmanager
def browser_server(tmp_path: Path) -> Iterator[Live]:
    with LoansPortal() as portal:
        yield Live("loans", loans.system_config(portal.url, diagnostics_dir=str(tmp_path)),
                   {loans.PASSWORD_SECRET: portal.password}, forbidden=("LMSESSIONID=",))


async def browser_ask(bridge: Any) -> Any:
    ctx = ToolContext(bridges={"loans": bridge}, trace_id="switch", agent="test")
    return await ListLoans().run(ListLoans.Params(customer_id="C000001"), ctx)


@contextmanager
def odbc_server(tmp_path: Path) -> Iterator[Live]:
    with SqliteBankDb(tmp_path / "bank.db") as db:  # removed on exit: nothing left to read
        yield Live("bankdb", {"bridge": "odbc", **db.connection(),
                              "password_secret": "bankdb.password"},
                   {"bankdb.password": "odbc-switch-secret"})  # SQLite ignores it; masked


ACCOUNTS = Statement("SELECT ACCT_NO, OPEN_BAL, OPEN_DT FROM ACCTMAST WHERE CUST_ID = ? "
                     "ORDER BY ACCT_NO", {"ACCT_NO": ColumnType.CHAR,
                                          "OPEN_BAL": ColumnType.DECIMAL,
                                          "OPEN_DT": ColumnType.YYYYMMDD})


async def odbc_ask(bridge: Any) -> Any:
    result = await bridge.exchange(Query(ACCOUNTS, (char("C000001", 8),)))
    assert result.rows
    return repr(result)  # repr: Decimal('1.50') is not Decimal('1.5') here


@contextmanager
def sftp_server(tmp_path: Path) -> Iterator[Live]:
    with SftpEmulator(tmp_path / "sftp") as emulator:
        pem = emulator.client_key_pem()
        yield Live("settlements", {"bridge": "sftp", **emulator.connection(),
                    "private_key_secret": "settlements.private_key"},
                   {"settlements.private_key": pem}, forbidden=("PRIVATE KEY",))


async def sftp_ask(bridge: Any) -> Any:
    files = await list_folder(bridge, "clearing/outbox")
    return files, await read_file(bridge, "clearing/outbox", files[0].name)


@contextmanager
def smtp_server(tmp_path: Path) -> Iterator[Live]:
    with MailServer() as mail:
        yield Live("mail", proposals.system_config(mail.port, MAIL_USER),
                   {"mail.password": mail.password})
        assert [m.message["Subject"] for m in mail.messages()] == ["Your offer"]


def proposal(subject: str = "Your offer") -> EmailMessage:
    mail = EmailMessage()
    mail["To"] = "john.doe@example.com"
    mail["Subject"] = subject
    mail["Message-ID"] = "<switch.1@mainbridge.local>"
    mail.set_content("Dear John,\n\nour offer.\n")
    return mail


async def smtp_ask(bridge: Any) -> Any:
    return await bridge.exchange(proposal())


CASES: dict[str, tuple[Callable[[Path], Any], Ask]] = {
    "soap": (soap_server, soap_ask), "tn3270": (tn3270_server, tn3270_ask),
    "browser": (browser_server, browser_ask), "odbc": (odbc_server, odbc_ask),
    "sftp": (sftp_server, sftp_ask), "smtp": (smtp_server, smtp_ask)}


def switched(live: Live, mode: str, path: Path, secrets: dict[str, str]) -> Bridge[Any, Any]:
    """Exactly what the runner does: the cassette settings merged over the system's config."""
    cls = bridge_class(live.config["bridge"])
    config = {**live.config, **cls.cassette_config(mode, path)}  # type: ignore[arg-type]
    return build_bridges({live.system: config}, MemorySecretStore(secrets))[live.system]


@pytest.mark.parametrize("protocol", [
    pytest.param(p, marks=pytest.mark.browser) if p == "browser" else p for p in CASES])
async def test_record_live_then_replay_with_no_server_and_no_secret(
        protocol: str, tmp_path: Path) -> None:
    server, ask = CASES[protocol]
    path = tmp_path / f"{protocol}{bridge_class(protocol).cassette_suffix}"
    with server(tmp_path) as live:
        recorder = switched(live, "record", path, live.secrets)
        try:
            await recorder.open()
            answer = await ask(recorder)
        finally:
            await recorder.close()
    assert path.is_file()  # complete once closed
    text = path.read_text(encoding="utf-8")
    secret_lines = [line for s in live.secrets.values() for line in s.splitlines()
                    if len(line) >= 6]
    assert secret_lines and not [s for s in secret_lines + list(live.forbidden) if s in text]

    player = switched(live, "replay", path, {})
    try:
        await player.open()
        assert await ask(player) == answer
    finally:
        await player.close()


async def test_smtp_refusal_replays_as_the_same_error(tmp_path: Path) -> None:
    path = tmp_path / "mail.json"
    with MailServer() as mail:
        live = Live("mail", proposals.system_config(mail.port, MAIL_USER),
                    {"mail.password": mail.password})
        mail.faults.refuse_next = 1
        recorder = switched(live, "record", path, live.secrets)
        try:
            with pytest.raises(RemoteFault) as refused:
                await recorder.exchange(proposal("Refused"))
        finally:
            await recorder.close()
    player = switched(live, "replay", path, {})
    try:
        with pytest.raises(RemoteFault) as replayed:
            await player.exchange(proposal("Refused"))
    finally:
        await player.close()
    assert type(replayed.value) is type(refused.value) and replayed.value.code == "554"
    assert replayed.value.message == refused.value.message


@pytest.mark.parametrize("protocol", sorted(BRIDGE_CLASSES))
def test_every_bridge_switches_with_its_own_setting_names(protocol: str) -> None:
    cls = bridge_class(protocol)
    for mode in ("record", "replay"):
        settings = cls.cassette_config(mode, Path(f"/x/c{cls.cassette_suffix}"))
        assert set(settings) <= set(cls.settings_model.model_fields)
        assert f"/x/c{cls.cassette_suffix}" in [str(v) for v in settings.values()]


def test_a_bridge_that_cannot_record_says_so() -> None:
    class Echo(Bridge[str, str]):
        protocol = "echo"
        settings_model = BaseModel

        async def exchange(self, request: str) -> str:
            return request

    with pytest.raises(ConfigError, match="the echo bridge cannot record or replay"):
        Echo.cassette_config("replay", Path("echo.json"))
