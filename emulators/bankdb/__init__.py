"""The bank's transaction database emulator: legacy schema, SQLite (embedded) or PostgreSQL."""

from emulators.bankdb.base import BankDatabase
from emulators.bankdb.postgres import PostgresBankDb
from emulators.bankdb.sqlite import SqliteBankDb

__all__ = ["BankDatabase", "PostgresBankDb", "SqliteBankDb"]
