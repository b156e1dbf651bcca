"""What every bank database emulator offers: connection facts and fault switches."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any


class BankDatabase(ABC):
    """A running legacy database seeded with the reference bank.

    `connection()` gives the facts a client needs (driver name as registered in
    /etc/odbcinst.ini, database, server, port, user): plain data, no client code.
    """

    @abstractmethod
    def connection(self) -> dict[str, Any]:
        """ODBC connection facts for this database."""

    @abstractmethod
    def set_slow_statements(self, seconds: float) -> None:
        """Fault: every read of TXNHIST takes about `seconds` longer (0 turns it off)."""

    @abstractmethod
    def execute_script(self, sql: str) -> None:
        """Run administrative SQL as the database owner (tests use it to change rows)."""

    @abstractmethod
    def start(self) -> None:
        """Bring the database up."""

    @abstractmethod
    def stop(self) -> None:
        """Take the database down; clients then fail to connect."""

    def __enter__(self) -> BankDatabase:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


SLOW_VIEW_NOTE = "TXNHIST is a view over TXNHIST_DATA while the slow-statement fault is on"
