"""Read-only access to the reference bank in fixtures/bank/data, for every emulator."""

from __future__ import annotations

import csv
import json
import os
from functools import cached_property
from pathlib import Path
from typing import Any

Row = dict[str, Any]


def fixtures_dir() -> Path:
    """The fixtures folder: `MAINBRIDGE_FIXTURES`, else the one beside the packages."""
    override = os.environ.get("MAINBRIDGE_FIXTURES")
    return Path(override) if override else Path(__file__).resolve().parents[1] / "fixtures"


class BankDataset:
    """The reference bank's rows, loaded once per instance."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or fixtures_dir() / "bank" / "data"

    def _json(self, name: str) -> list[Row]:
        with (self.directory / name).open(encoding="utf-8") as fh:
            rows: list[Row] = json.load(fh)
        return rows

    @cached_property
    def customers(self) -> list[Row]:
        return self._json("customers.json")

    @cached_property
    def accounts(self) -> list[Row]:
        return self._json("accounts.json")

    @cached_property
    def transactions(self) -> list[Row]:
        with (self.directory / "transactions.csv").open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    @cached_property
    def transaction_types(self) -> list[Row]:
        return self._json("transaction_types.json")

    @cached_property
    def products(self) -> list[Row]:
        return self._json("products.json")

    @cached_property
    def prices(self) -> list[Row]:
        return self._json("prices.json")

    @cached_property
    def loans(self) -> list[Row]:
        return self._json("loans.json")

    @cached_property
    def watchlist(self) -> list[Row]:
        return self._json("watchlist.json")

    @cached_property
    def customers_by_id(self) -> dict[str, Row]:
        return {c["customer_id"]: c for c in self.customers}

    @cached_property
    def accounts_by_id(self) -> dict[str, Row]:
        return {a["account_id"]: a for a in self.accounts}
