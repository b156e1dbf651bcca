"""A real gateway over the reference emulator a system name stands for, for adapter tests.

Scaffolded adapter tests ask for `serve(reference, system)`: the emulator that plays the
reference system (`crm`, `corebanking`, `loans`, `settlements`, ... as the contract suite's
table starts them, or the bank database of the test's driver) is started once per session
and served under the adapter's own system name.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bridges.secrets import MemorySecretStore, SecretStore
from emulators.bankdb import BankDatabase
from tests.contract.systems import SYSTEMS, Lab
from tests.support.servers import ServedApp, serve_gateway


class ReferenceGateways:
    """Emulators and gateways started on first use, all stopped when the stack closes."""

    def __init__(self, stack: ExitStack, workdir: Path, roles: dict[str, list[str]]) -> None:
        self.stack, self.roles = stack, roles
        self.lab = Lab(workdir)
        stack.callback(self.lab.close)
        self._gateways: dict[tuple[str, str, int], ServedApp] = {}

    def config(self, reference: str, db: BankDatabase | None) -> (
        tuple[dict[str, Any], SecretStore]
    ):
        """The reference system's gateway settings and secrets, as the demo wires them."""
        if reference == "bankdb":  # the fixture's database: every test runs on both drivers
            if db is None:
                raise ValueError("the bank database is a fixture: pass `bankdb`")
            return {"bridge": "odbc", **db.connection()}, MemorySecretStore()
        if reference not in SYSTEMS:
            raise ValueError(f"no reference system {reference!r}")
        return self.lab.systems({reference})[reference], self.lab.secrets({reference})

    def serve(self, reference: str, system: str, db: BankDatabase | None = None) -> ServedApp:
        """A gateway whose `system` is the `reference` system's emulator."""
        ident = (reference, system, id(db))
        if ident not in self._gateways:
            config, secrets = self.config(reference, db)
            self._gateways[ident] = self.stack.enter_context(serve_gateway(
                {system: config}, self.roles, secrets=secrets))
        return self._gateways[ident]
