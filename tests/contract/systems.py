"""The reference systems as one table: how to start each one's emulator, break it, slow it.

A new reference system is one row in SYSTEMS (plus one in EMULATORS if it brings a new
emulator); the generated contract suite then covers every tool that names it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters import crm, proposals, sanctions, ticketing
from adapters.core_banking import system_config as corebanking_config
from adapters.loans import PASSWORD_SECRET as LOANS_PASSWORD
from adapters.loans import system_config as loans_config
from bridges.secrets import MemorySecretStore
from bridges.soap import SoapBridge, SoapCall
from emulators.bankdb import SqliteBankDb
from emulators.bankdb.rows import TABLES
from emulators.sftp import SftpEmulator
from emulators.smtp import USERNAME as MAIL_USERNAME
from emulators.smtp import MailServer
from emulators.soap import Faults, SoapEmulator
from emulators.tn3270 import Tn3270Host
from emulators.web import LoansPortal

Switch = Callable[[Any], AbstractContextManager[None]]
SLOW_S = 2.0  # injected latency: well past the contract gateways' 0.5 s tool timeout


@dataclass(frozen=True)
class SystemRow:
    """One reference system: its emulator, its bridge config and secrets, a fault, latency.

    `fault` makes the legacy system misbehave so a call fails with 502; `fault_retriable`
    is what that error must say. `slow` delays its answers past a short tool timeout (504).
    """

    emulator: str  # key of EMULATORS
    config: Callable[[Any], dict[str, Any]]
    secrets: Callable[[Any], dict[str, str]]
    fault: Switch
    fault_retriable: bool
    slow: Switch


@contextmanager
def soap_faults(emulator: SoapEmulator, faults: Faults) -> Iterator[None]:
    before, emulator.faults = emulator.faults, faults
    try:
        yield
    finally:
        emulator.faults = before


def soap_row(path: str, config: Callable[[SoapEmulator], dict[str, Any]],
             secrets: Callable[[SoapEmulator], dict[str, str]] = lambda e: {}) -> SystemRow:
    """One of the SOAP emulator's services, told apart by its URL path."""
    return SystemRow(
        "soap", config, secrets,
        fault=lambda e: soap_faults(e, Faults(failure="malformed", paths=(path,))),
        fault_retriable=True,
        slow=lambda e: soap_faults(e, Faults(latency_s=SLOW_S, paths=(path,))))


@contextmanager
def attributes(target: Any, **values: Any) -> Iterator[None]:
    """Fault switches that are plain attributes: set for the block, restored after."""
    before = {name: getattr(target, name) for name in values}
    for name, value in values.items():
        setattr(target, name, value)
    try:
        yield
    finally:
        for name, value in before.items():
            setattr(target, name, value)


@contextmanager
def renamed_tables(db: SqliteBankDb) -> Iterator[None]:
    """Someone renamed the bank's tables: every statement fails with an SQL error."""
    db.execute_script("".join(f"ALTER TABLE {t} RENAME TO {t}_GONE;" for t in TABLES))
    try:
        yield
    finally:
        db.execute_script("".join(f"ALTER TABLE {t}_GONE RENAME TO {t};" for t in TABLES))


@contextmanager
def locked_database(db: SqliteBankDb) -> Iterator[None]:
    """A batch job holds the database: every statement waits on its lock (the emulator's
    slow-statement fault slows TXNHIST only, and products and prices live elsewhere)."""
    holder = sqlite3.connect(db.path, isolation_level=None, check_same_thread=False)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        holder.close()  # rolls back and releases the lock


@contextmanager
def denied_everywhere(emulator: SftpEmulator) -> Iterator[None]:
    """Every partner folder answers "permission denied" (someone changed the ACLs)."""
    with attributes(emulator.faults, deny={p.name for p in emulator.root.iterdir()}):
        yield


@contextmanager
def help_desk(workdir: Path) -> Iterator[SoapEmulator]:
    """The SOAP services, with one ticket (TCK-000001) opened so get_ticket has one to read."""
    with SoapEmulator(sanctions_latency_s=0.0) as emulator:
        config = {k: v for k, v in ticketing_config(emulator).items() if k != "bridge"}
        bridge = SoapBridge.from_config("ticketing", config,
                                        MemorySecretStore(ticketing_secrets(emulator)))

        async def open_ticket() -> None:
            try:
                await bridge.exchange(SoapCall("CreateTicket", {
                    "Title": "Statement missing", "Description": "November statement not "
                    "received", "Priority": "LOW", "CustomerRef": "C000001"}))
            finally:
                await bridge.close()

        asyncio.run(open_ticket())
        yield emulator


def ticketing_config(e: SoapEmulator) -> dict[str, Any]:
    return ticketing.system_config(e.url("/ticketing"))


def ticketing_secrets(e: SoapEmulator) -> dict[str, str]:
    return {"ticketing.password": e.ticketing_password}


# Emulator name -> how to start it (a context manager) in a work folder of its own.
EMULATORS: dict[str, Callable[[Path], AbstractContextManager[Any]]] = {
    "soap": help_desk,
    "tn3270": lambda workdir: Tn3270Host(),
    "portal": lambda workdir: LoansPortal(),
    "bankdb": lambda workdir: SqliteBankDb(workdir / "bank.db"),
    "sftp": lambda workdir: SftpEmulator(workdir / "sftp"),
    "mail": lambda workdir: MailServer(),
}

SYSTEMS: dict[str, SystemRow] = {
    "crm": soap_row("/crm/v2", lambda e: crm.system_config(e.url("/crm/v2"), "v2")),
    "ticketing": soap_row("/ticketing", ticketing_config, ticketing_secrets),
    "sanctions": soap_row("/sanctions", lambda e: sanctions.system_config(e.url("/sanctions"))),
    "corebanking": SystemRow(
        "tn3270", lambda e: corebanking_config(e.port),
        lambda e: {"corebanking.password": e.password},
        fault=lambda e: e.inject(abend_next=1000), fault_retriable=False,
        slow=lambda e: e.inject(latency_s=SLOW_S)),
    "loans": SystemRow(
        "portal", lambda e: loans_config(e.url), lambda e: {LOANS_PASSWORD: e.password},
        fault=lambda e: attributes(e.faults, fail_next=1000), fault_retriable=True,
        slow=lambda e: attributes(e.faults, latency_s=SLOW_S)),
    "bankdb": SystemRow(
        "bankdb", lambda e: {"bridge": "odbc", **e.connection()}, lambda e: {},
        fault=renamed_tables, fault_retriable=False, slow=locked_database),
    "settlements": SystemRow(
        "sftp", lambda e: {"bridge": "sftp", **e.connection(),
                           "private_key_secret": "settlements.private_key"},
        lambda e: {"settlements.private_key": e.client_key_pem()},
        fault=denied_everywhere, fault_retriable=False,
        slow=lambda e: attributes(e.faults, latency_s=SLOW_S)),
    "mail": SystemRow(
        "mail", lambda e: proposals.system_config(e.port, MAIL_USERNAME),
        lambda e: {"mail.password": e.password},
        fault=lambda e: attributes(e.faults, refuse_next=1000), fault_retriable=False,
        slow=lambda e: attributes(e.faults, stall_s=SLOW_S)),
}


class Lab:
    """The emulators of one test session, each started on first use and stopped at the end."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.stack = ExitStack()
        self.running: dict[str, Any] = {}

    def emulator(self, system: str) -> Any:
        name = SYSTEMS[system].emulator
        if name not in self.running:
            folder = self.workdir / name
            folder.mkdir(parents=True, exist_ok=True)
            self.running[name] = self.stack.enter_context(EMULATORS[name](folder))
        return self.running[name]

    def systems(self, names: set[str]) -> dict[str, dict[str, Any]]:
        return {name: SYSTEMS[name].config(self.emulator(name)) for name in sorted(names)}

    def secrets(self, names: set[str]) -> MemorySecretStore:
        values: dict[str, str] = {}
        for name in names:
            values.update(SYSTEMS[name].secrets(self.emulator(name)))
        return MemorySecretStore(values)

    def fault(self, system: str) -> AbstractContextManager[None]:
        return SYSTEMS[system].fault(self.emulator(system))

    def slow(self, system: str) -> AbstractContextManager[None]:
        return SYSTEMS[system].slow(self.emulator(system))

    def close(self) -> None:
        self.stack.close()

