"""The loans portal's state and business rules: loans, applications, sessions, faults."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from emulators.dataset import BankDataset

Row = dict[str, Any]
CENT = Decimal("0.01")
TERMS = (12, 24, 36, 48, 60, 84, 120, 180, 240, 300, 360)
# The product a term implies, and its cap: personal loans up to 7 years, mortgages beyond.
PRODUCT_CAPS = {"LN-PERS": Decimal("50000.00"), "LN-MORT": Decimal("1000000.00")}
MIN_AMOUNT = Decimal("1000.00")


@dataclass
class Faults:
    """Switches tests flip to make the portal misbehave."""

    latency_s: float = 0.0  # added to every request
    fail_next: int = 0  # this many next requests answer HTTP 500...
    fail_prefix: str = "/"  # ...among those whose path starts with this
    moved_column: bool = False  # the loans table swaps Principal and Outstanding
    report_delay_s: float = 3.0  # the portfolio report is slow even on a good day


@dataclass
class Eligibility:
    customer_id: str
    eligible: bool
    product_code: str
    amount: Decimal
    term_months: int
    max_amount: Decimal
    rate_pct: Decimal
    monthly_payment: Decimal
    currency: str
    reason: str


@dataclass
class PortalState:
    """Everything the portal remembers; guarded by one lock (uvicorn runs one loop, but tests
    read it from other threads)."""

    dataset: BankDataset = field(default_factory=BankDataset)
    username: str = "loanofficer"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    session_ttl_s: float = 900.0
    page_size: int = 5
    faults: Faults = field(default_factory=Faults)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.key = secrets.token_bytes(32)
        self.sessions: dict[str, float] = {}
        self.loans: dict[str, Row] = {row["loan_id"]: dict(row) for row in self.dataset.loans}
        self.applications: dict[str, Row] = {}
        self.requests = 0
        self.logins = 0  # successful sign-ons: tests check that sessions are reused
        currencies: dict[str, str] = {}
        for account in self.dataset.accounts:
            currencies.setdefault(account["customer_id"], account["currency"])
        self.currencies = currencies
        self.rates = {(p["product_code"], p["segment"]): Decimal(p["interest_rate_pct"])
                      for p in self.dataset.prices if p["interest_rate_pct"] is not None}

    # -- sessions ------------------------------------------------------------------------
    def login(self, username: str, password: str) -> str | None:
        ok = hmac.compare_digest(username.encode(), self.username.encode()) and \
            hmac.compare_digest(password.encode(), self.password.encode())
        if not ok:
            return None
        sid = secrets.token_hex(16)
        with self.lock:
            self.sessions[sid] = time.monotonic()
            self.logins += 1
        return sid

    def touch(self, sid: str | None) -> bool:
        """Whether the session is alive; sliding expiry like most portals of the era."""
        now = time.monotonic()
        with self.lock:
            seen = self.sessions.get(sid or "")
            if seen is None or now - seen > self.session_ttl_s:
                self.sessions.pop(sid or "", None)
                return False
            self.sessions[sid or ""] = now
            return True

    def expire_sessions(self) -> None:
        """Fault: every session ends now, as when the portal's app server restarts."""
        with self.lock:
            self.sessions.clear()

    # -- __VIEWSTATE: signed page state that must come back unchanged ----------------------
    def viewstate(self, form: str, sid: str, **state: Any) -> str:
        body = base64.b64encode(json.dumps({"f": form, "s": sid, **state}).encode()).decode()
        mac = hmac.new(self.key, body.encode(), hashlib.sha256).hexdigest()[:24]
        return f"{body}.{mac}"

    def read_viewstate(self, token: str, form: str, sid: str) -> dict[str, Any] | None:
        body, _, mac = token.partition(".")
        good = hmac.new(self.key, body.encode(), hashlib.sha256).hexdigest()[:24]
        if not hmac.compare_digest(mac.encode(), good.encode()):
            return None
        try:
            state: dict[str, Any] = json.loads(base64.b64decode(body, validate=True))
        except ValueError:
            return None
        return state if state.get("f") == form and state.get("s") == sid else None

    # -- business ------------------------------------------------------------------------
    def customer(self, customer_id: str) -> Row | None:
        return self.dataset.customers_by_id.get(customer_id)

    def loans_of(self, customer_id: str) -> list[Row]:
        with self.lock:
            return sorted((r for r in self.loans.values() if r["customer_id"] == customer_id),
                          key=lambda r: r["loan_id"])

    def loan(self, loan_id: str) -> Row | None:
        with self.lock:
            row = self.loans.get(loan_id)
            return dict(row) if row else None

    def eligibility(self, customer: Row, amount: Decimal, term: int) -> Eligibility:
        product = "LN-PERS" if term <= 84 else "LN-MORT"
        cap = PRODUCT_CAPS[product]
        rate = self.rates[(product, customer["segment"])]
        arrears = any(r["status"] == "arrears" for r in self.loans_of(customer["customer_id"]))
        if arrears:
            eligible, reason, cap = False, "Existing loan in arrears", Decimal("0.00")
        elif amount > cap:
            eligible, reason = False, "Amount above product maximum"
        elif amount < MIN_AMOUNT:
            eligible, reason = False, "Amount below product minimum"
        else:
            eligible, reason = True, "Within lending policy"
        return Eligibility(customer["customer_id"], eligible, product, amount, term, cap, rate,
                           annuity(amount, rate, term), self.currencies.get(
                               customer["customer_id"], "USD"), reason)

    def apply(self, customer: Row, amount: Decimal, term: int, purpose: str) -> Row:
        """File an application; an eligible one opens a pending loan that lookups then show."""
        check = self.eligibility(customer, amount, term)
        with self.lock:
            number = len(self.applications) + 1
            application = {
                "application_id": f"A{number:07d}", "customer_id": customer["customer_id"],
                "amount": f"{amount:.2f}", "currency": check.currency, "term_months": term,
                "purpose": purpose, "status": "pending" if check.eligible else "declined",
                "reason": check.reason, "loan_id": None,
                "submitted_at": datetime.now(UTC).replace(microsecond=0),
            }
            if check.eligible:
                loan_id = f"L{len(self.loans) + 1:07d}"
                self.loans[loan_id] = {
                    "loan_id": loan_id, "customer_id": customer["customer_id"],
                    "product_code": check.product_code, "principal": f"{amount:.2f}",
                    "outstanding": f"{amount:.2f}", "currency": check.currency,
                    "interest_rate_pct": f"{check.rate_pct:.2f}", "term_months": term,
                    "start_date": date.today().isoformat(), "status": "pending",
                    "purpose": purpose,
                }
                application["loan_id"] = loan_id
            self.applications[application["application_id"]] = application
            return dict(application)


def annuity(amount: Decimal, rate_pct: Decimal, term: int) -> Decimal:
    """The fixed monthly instalment that repays `amount` in `term` months."""
    monthly = rate_pct / Decimal(1200)
    if monthly == 0:
        return (amount / term).quantize(CENT)
    return (amount * monthly / (1 - (1 + monthly) ** -term)).quantize(CENT)
