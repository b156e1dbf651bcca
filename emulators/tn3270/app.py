"""The CICS-like transactions behind the screens: one `Session` per terminal connection."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from emulators.tn3270.bank import Bank, HoldRefused

PAGE_SIZE = 3  # lines of the accounts map (fixtures/tn3270/screens.toml, [accounts] rows)


@dataclass
class Screen:
    """What the host sends next: a map, its field values, where the cursor goes."""

    map: str
    values: dict[str, str] = field(default_factory=dict)
    cursor: str | None = None


@dataclass(frozen=True)
class User:
    password: str
    can_hold: bool = True


def money(amount: Decimal) -> str:
    """The host's amount format: thousands separators, a trailing minus, right-aligned."""
    return (f"{abs(amount):,.2f}" + ("-" if amount < 0 else " ")).rjust(16)


def error(code: str, text: str) -> Screen:
    return Screen("error", {"code": code, "text": text})


class Session:
    """Per-connection state; the bank behind it is shared by every session."""

    def __init__(self, bank: Bank, users: dict[str, User]) -> None:
        self.bank = bank
        self.users = users
        self.state = "signon"
        self.user: str | None = None
        self.customer = ""
        self.page = 1

    def first(self) -> Screen:
        return Screen("signon")

    def expire(self) -> Screen:
        self.state, self.user = "signon", None
        return error("EXPIRED", "SESSION EXPIRED - PLEASE SIGN ON AGAIN")

    def handle(self, aid: str, fields: dict[str, str]) -> Screen | None:
        """The next screen for an AID key and the modified fields; None ends the session."""
        if self.state == "signon":
            screen = self._signon(aid, fields)
        elif aid == "CLEAR" or (aid == "PF3" and self.state != "menu") or self.state == "error":
            screen = self._menu()
        elif aid == "PF3":
            self.state, self.user = "signon", None
            screen = Screen("signon", {"message": "SIGNED OFF"})
        else:
            handlers = {"menu": self._menu_key, "inquiry": self._inquiry,
                        "accounts": self._accounts, "hold": self._hold}
            screen = handlers[self.state](aid, fields)
        if screen is not None and screen.map == "error":
            self.state = "signon" if screen.values["code"] == "EXPIRED" else "error"
        elif screen is not None:
            self.state = screen.map
        return screen

    def _menu(self, message: str = "") -> Screen:
        return Screen("menu", {"user": self.user or "", "message": message})

    def _signon(self, aid: str, fields: dict[str, str]) -> Screen | None:
        if aid == "PF3":
            return None
        if aid != "ENTER":
            return Screen("signon")
        userid = fields.get("userid", "").upper()
        user = self.users.get(userid)
        if user is None or fields.get("password", "") != user.password:
            return Screen("signon", {"userid": userid, "message": "INVALID USERID OR PASSWORD"},
                          cursor="password")
        self.user = userid
        return self._menu()

    def _menu_key(self, aid: str, fields: dict[str, str]) -> Screen:
        option = fields.get("option", "")
        targets = {"1": "inquiry", "2": "accounts", "3": "hold"}
        if aid != "ENTER" or option not in targets:
            return self._menu("INVALID OPTION" if aid == "ENTER" else "INVALID KEY")
        return Screen(targets[option])

    def _inquiry(self, aid: str, fields: dict[str, str]) -> Screen:
        account_id = fields.get("account", "")
        if aid != "ENTER":
            return Screen("inquiry", {"account": account_id, "message": "INVALID KEY"})
        account = self.bank.account(account_id)
        if account is None:
            return error("ACCTNF", f"ACCOUNT {account_id} NOT FOUND")
        customer = self.bank.customer(account["customer_id"]) or {}
        return Screen("inquiry", {
            "account": account_id, "customer_id": account["customer_id"],
            "customer_name": f"{customer.get('first_name', '')} {customer.get('last_name', '')}",
            "account_type": account["account_type"].upper(), "currency": account["currency"],
            "status": account["status"].upper(), "ledger": money(self.bank.ledgers[account_id]),
            "holds": money(self.bank.holds(account_id)),
            "available": money(self.bank.available(account_id)),
            "as_of": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        })

    def _accounts(self, aid: str, fields: dict[str, str]) -> Screen:
        if aid == "ENTER":
            self.customer, self.page = fields.get("customer", "").upper(), 1
        customer = self.bank.customer(self.customer)
        if customer is None:
            return error("CUSTNF", f"CUSTOMER {self.customer} NOT FOUND")
        accounts = self.bank.accounts_of(self.customer)
        pages = max(1, math.ceil(len(accounts) / PAGE_SIZE))
        message = ""
        if aid == "PF8":
            message = "BOTTOM OF LIST" if self.page == pages else ""
            self.page = min(pages, self.page + 1)
        elif aid == "PF7":
            message = "TOP OF LIST" if self.page == 1 else ""
            self.page = max(1, self.page - 1)
        elif aid != "ENTER":
            message = "INVALID KEY"
        values = {"customer": self.customer, "page": str(self.page), "pages": str(pages),
                  "customer_name": f"{customer['first_name']} {customer['last_name']}",
                  "message": message or ("MORE - PRESS F8" if self.page < pages else "")}
        start = (self.page - 1) * PAGE_SIZE
        for i, account in enumerate(accounts[start:start + PAGE_SIZE], start=1):
            values.update({
                f"account_{i}": account["account_id"], f"type_{i}": account["account_type"].upper(),
                f"product_{i}": account["product_code"] or "", f"currency_{i}": account["currency"],
                f"status_{i}": account["status"].upper(), f"opened_{i}": account["opened_on"]})
        return Screen("accounts", values)

    def _hold(self, aid: str, fields: dict[str, str]) -> Screen:
        if aid != "ENTER":
            return Screen("hold", {**fields, "message": "INVALID KEY"})
        assert self.user is not None
        if not self.users[self.user].can_hold:
            return error("NOTAUTH", f"USER {self.user} NOT AUTHORIZED FOR HOLDS")
        try:
            amount = Decimal(fields.get("amount", ""))
        except InvalidOperation:
            amount = Decimal(0)
        if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            return Screen("hold", {**fields, "message": "INVALID AMOUNT"}, cursor="amount")
        reason = fields.get("reason", "")
        if not reason:
            return Screen("hold", {**fields, "message": "REASON IS REQUIRED"}, cursor="reason")
        try:
            hold = self.bank.place_hold(fields.get("account", ""), amount, reason)
        except HoldRefused as exc:
            return error(exc.code, str(exc))
        currency = self.bank.dataset.accounts_by_id[hold.account_id]["currency"]
        return Screen("hold", {**fields, "hold_id": hold.hold_id, "currency": currency,
                               "held": money(hold.amount),
                               "available": money(self.bank.available(hold.account_id)),
                               "message": f"HOLD {hold.hold_id} PLACED"})
