"""A real gateway over the reference emulator a system name stands for, for adapter tests.

Scaffolded adapter tests ask for `serve(reference, system)`: the emulator that plays the
reference system (`crm`, `corebanking`, `loans`, `settlements`, or the bank database) is
started once per session and served under the adapter's own system name.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

from adapters import crm, sanctions, ticketing
from adapters.core_banking import system_config as corebanking_config
from adapters.loans import PASSWORD_SECRET as LOANS_PASSWORD
from adapters.loans import system_config as loans_config
from bridges.secrets import MemorySecretStore
from emulators.bankdb import BankDatabase
from emulators.sftp import SftpEmulator
from emulators.soap import SoapEmulator
from emulators.tn3270 import Tn3270Host
from emulators.web import LoansPortal
from tests.support.servers import ServedApp, serve_gateway

SystemConfig = tuple[dict[str, Any], dict[str, str]]  # bridge settings, secrets by name


class ReferenceGateways:
    """Emulators and gateways started on first use, all stopped when the stack closes."""

    def __init__(self, stack: ExitStack, workdir: Path, roles: dict[str, list[str]]) -> None:
        self.stack, self.workdir, self.roles = stack, workdir, roles
        self._emulators: dict[str, Any] = {}
        self._gateways: dict[tuple[str, str, int], ServedApp] = {}

    def _emulator(self, kind: str, start: Any) -> Any:
        if kind not in self._emulators:
            self._emulators[kind] = self.stack.enter_context(start())
        return self._emulators[kind]

    def _soap(self) -> SoapEmulator:
        emulator: SoapEmulator = self._emulator("soap", lambda: SoapEmulator(
            sanctions_latency_s=0.05))
        return emulator

    def config(self, reference: str, db: BankDatabase | None) -> SystemConfig:
        """The reference system's gateway settings, as the demo wires them."""
        if reference == "bankdb":
            if db is None:
                raise ValueError("the bank database is a fixture: pass `bankdb`")
            return {"bridge": "odbc", **db.connection()}, {}
        if reference == "crm":
            return crm.system_config(self._soap().url("/crm/v2"), "v2"), {}
        if reference == "sanctions":
            return sanctions.system_config(self._soap().url("/sanctions")), {}
        if reference == "ticketing":
            soap = self._soap()
            return (ticketing.system_config(soap.url("/ticketing")),
                    {"ticketing.password": soap.ticketing_password})
        if reference == "corebanking":
            host: Tn3270Host = self._emulator("tn3270", Tn3270Host)
            return corebanking_config(host.port), {"corebanking.password": host.password}
        if reference == "loans":
            portal: LoansPortal = self._emulator("web", LoansPortal)
            return loans_config(portal.url), {LOANS_PASSWORD: portal.password}
        if reference == "settlements":
            sftp: SftpEmulator = self._emulator(
                "sftp", lambda: SftpEmulator(self.workdir / "sftp"))
            return ({"bridge": "sftp", **sftp.connection(),
                     "private_key_secret": "settlements.private_key"},
                    {"settlements.private_key": sftp.client_key_pem()})
        raise ValueError(f"no reference system {reference!r}")

    def serve(self, reference: str, system: str, db: BankDatabase | None = None) -> ServedApp:
        """A gateway whose `system` is the `reference` system's emulator."""
        ident = (reference, system, id(db))
        if ident not in self._gateways:
            config, secrets = self.config(reference, db)
            self._gateways[ident] = self.stack.enter_context(serve_gateway(
                {system: config}, self.roles, secrets=MemorySecretStore(secrets)))
        return self._gateways[ident]
