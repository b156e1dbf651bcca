"""Core banking state behind the screens: ledger balances, holds, shared by every session."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from emulators.dataset import BankDataset, Row

SIGN = {"C": Decimal(1), "D": Decimal(-1)}


@dataclass(frozen=True)
class Hold:
    hold_id: str
    account_id: str
    amount: Decimal
    reason: str
    placed_at: datetime


class HoldRefused(Exception):
    """The hold cannot be placed; `code` is the error code the screen shows."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Bank:
    """Ledger = opening balance + signed sum of the account's transactions; holds add up;
    available = ledger - holds + overdraft limit (what may still be spent)."""

    def __init__(self, dataset: BankDataset | None = None) -> None:
        self.dataset = dataset or BankDataset()
        self.ledgers: dict[str, Decimal] = {
            a["account_id"]: Decimal(a["opening_balance"]) for a in self.dataset.accounts}
        for txn in self.dataset.transactions:
            if txn["account_id"] in self.ledgers:
                self.ledgers[txn["account_id"]] += SIGN[txn["direction"]] * Decimal(txn["amount"])
        self.placed: list[Hold] = []
        self._lock = threading.Lock()  # the host may be driven from several threads in tests

    def account(self, account_id: str) -> Row | None:
        return self.dataset.accounts_by_id.get(account_id)

    def customer(self, customer_id: str) -> Row | None:
        return self.dataset.customers_by_id.get(customer_id)

    def accounts_of(self, customer_id: str) -> list[Row]:
        return [a for a in self.dataset.accounts if a["customer_id"] == customer_id]

    def holds(self, account_id: str) -> Decimal:
        base = Decimal(self.dataset.accounts_by_id[account_id]["holds"])
        return base + sum((h.amount for h in self.placed if h.account_id == account_id),
                          Decimal("0.00"))

    def available(self, account_id: str) -> Decimal:
        overdraft = Decimal(self.dataset.accounts_by_id[account_id]["overdraft_limit"])
        return self.ledgers[account_id] - self.holds(account_id) + overdraft

    def place_hold(self, account_id: str, amount: Decimal, reason: str) -> Hold:
        account = self.account(account_id)
        if account is None:
            raise HoldRefused("ACCTNF", f"ACCOUNT {account_id} NOT FOUND")
        if account["status"] != "open":
            raise HoldRefused("ACCTBLK", f"ACCOUNT {account_id} IS {account['status'].upper()}")
        with self._lock:
            if amount > self.available(account_id):
                raise HoldRefused("NSF", "AMOUNT EXCEEDS AVAILABLE BALANCE")
            hold = Hold(f"H{len(self.placed) + 1:07d}", account_id, amount, reason,
                        datetime.now(UTC))
            self.placed.append(hold)
        return hold
