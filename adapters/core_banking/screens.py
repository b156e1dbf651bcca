"""Core banking's CICS screens as the bridge sees them: signatures, sign-on, errors, flows."""

from __future__ import annotations

from typing import Any

from bridges.tn3270 import (
    Check,
    ErrorScreen,
    Extract,
    ExtractRows,
    Fill,
    Flow,
    Press,
    Repeat,
    Screen,
    Signature,
    Wait,
    at,
    labelled,
)

SYSTEM = "corebanking"
PASSWORD_SECRET = "corebanking.password"  # noqa: S105 (a secret's name, not a secret)

# Every map shows its id at row 1, col 2.
SCREENS = {name: Signature(text=text, row=1, col=2) for name, text in {
    "signon": "MBSIGN", "menu": "MBMENU", "inquiry": "MBINQ", "accounts": "MBLIST",
    "hold": "MBHOLD", "error": "MBERR"}.items()}
ERROR_SCREEN = ErrorScreen(
    screen=SCREENS["error"], code=at(6, 22, 8), message=at(8, 22, 56),
    kinds={"ACCTNF": "not_found", "CUSTNF": "not_found", "NOTAUTH": "auth",
           "EXPIRED": "expired"})
MESSAGE = at(22, 2, 78)
OPTION = labelled("Option ===>")


def system_config(port: int | None, user: str = "MBRIDGE", **overrides: Any) -> dict[str, Any]:
    """The bridge settings of the core banking system on a host at 127.0.0.1:port."""
    return {
        "bridge": "tn3270", "host": "127.0.0.1", "port": port, "user": user,
        "password_secret": PASSWORD_SECRET,
        "screens": {k: v.model_dump() for k, v in SCREENS.items()},
        "signon": {"user_field": labelled("Userid . . . . :").model_dump(),
                   "password_field": labelled("Password . . . :").model_dump(),
                   "message_field": MESSAGE.model_dump()},
        "error_screen": ERROR_SCREEN.model_dump(), **overrides,
    }


def _menu(option: str, screen: str) -> tuple[Wait | Fill | Press, ...]:
    return (Wait("menu"), Fill(OPTION, text=option), Press("ENTER"), Wait(screen))


_BACK = (Press("PF3"), Wait("menu"))

ACCOUNT_INQUIRY = Flow("account_inquiry", (
    *_menu("1", "inquiry"),
    Fill(labelled("Account number ===>"), param="account_id"),
    Press("ENTER"), Wait("inquiry"),
    Extract("account_id", labelled("Account number ===>")),
    Extract("currency", labelled("Currency . . . :")),
    Extract("ledger", labelled("Ledger balance :")),
    Extract("holds", labelled("Holds  . . . . :")),
    Extract("available", labelled("Available  . . :")),
    Extract("as_of", labelled("As of (UTC) . :")),
    *_BACK,
))


def last_page(screen: Screen) -> bool:
    """'Page n of m' on row 20: the accounts list ends when n == m."""
    return screen.read(at(20, 9, 3)) == screen.read(at(20, 16, 3))


CUSTOMER_ACCOUNTS = Flow("customer_accounts", (
    *_menu("2", "accounts"),
    Fill(labelled("Customer ===>"), param="customer_id"),
    Press("ENTER"), Wait("accounts"),
    Extract("customer_id", labelled("Customer ===>")),
    Repeat(steps=(ExtractRows("accounts", first_row=8, count=3, columns={
        "account_id": (4, 10), "type": (16, 10), "product": (27, 12), "currency": (40, 3),
        "status": (44, 8), "opened": (53, 10)}),),
        until=last_page, between=(Press("PF8"), Wait("accounts"))),
    *_BACK,
))

PLACE_HOLD = Flow("place_hold", (
    *_menu("3", "hold"),
    Fill(labelled("Account number ===>"), param="account_id"),
    Fill(labelled("Amount . . . ===>"), param="amount"),
    Fill(labelled("Reason . . . ===>"), param="reason"),
    Press("ENTER", commit=True), Wait("hold"),
    Check(MESSAGE, r"HOLD H\d{7} PLACED"),
    Extract("hold_id", labelled("Hold id  . . . :")),
    Extract("currency", labelled("Currency . . . :")),
    Extract("held", labelled("Amount held  . :")),
    Extract("available", labelled("Available  . . :")),
    Extract("reason", labelled("Reason . . . ===>")),
    *_BACK,
), write=True)
