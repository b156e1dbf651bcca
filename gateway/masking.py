"""What the audit log may keep of a call's arguments: secrets blanked, personal data keyed-hashed.

The rules are data (`MaskingRules`): argument names are matched case-insensitively against
fnmatch patterns. Secrets become "***". Personal data becomes `pd:<16 hex>`, an HMAC-SHA256
under a key kept outside the log: equal values give equal tokens, so compliance can still
correlate calls about the same person, but nobody holding only the log can test a guess.
Business identifiers stay readable because compliance searches by them. Values that look like
an e-mail address or a phone number are masked whatever their argument is called.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

BLANKED = "***"  # what a secret argument becomes
_KIND_CACHE_MAX = 4096  # argument names are few; a hostile flood of new ones is not


@dataclass(frozen=True)
class MaskingRules:
    # Checked in this order: a national_id is personal before it is an identifier.
    secret: tuple[str, ...]
    personal: tuple[str, ...]
    identifiers: tuple[str, ...]  # readable, and exempt from the value patterns below
    personal_values: tuple[re.Pattern[str], ...]


DEFAULT_RULES = MaskingRules(
    secret=("*password*", "*passwd*", "*secret*", "*token*", "*api_key*", "*apikey*", "pin",
            "*_pin", "otp", "cvv", "cvc", "card_number", "pan", "*credential*", "authorization"),
    personal=("name", "*_name", "name_*", "birth_date", "date_of_birth", "dob", "email", "*_email",
              "phone", "*_phone", "mobile", "address", "*_address", "street", "postcode",
              "zip", "city", "description", "message", "body", "note", "notes", "comment",
              "subject", "title", "national_id", "ssn", "tax_id", "passport*", "iban"),
    identifiers=("*_id", "id", "*_no", "*_code"),
    personal_values=(re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"),  # e-mail address
                     # Phone-number shaped: 9+ digits with a + or separators. Bare digit runs
                     # are account numbers, dotted ones amounts, 8-digit dashed ones dates.
                     re.compile(r"(?=(?:\D*\d){9})(?=.*[ ()+-])\+?[\d ()-]+\d")),
)


class Masker:
    def __init__(self, key: bytes, rules: MaskingRules = DEFAULT_RULES) -> None:
        self._key = key
        self.rules = rules
        self._kinds: dict[str, str] = {}

    def token(self, value: Any) -> str:
        """The correlatable stand-in for one personal value (case and spacing folded)."""
        text = " ".join(str(value).split()).casefold()
        return "pd:" + hmac.new(self._key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:16]

    def _kind(self, name: str) -> str:
        """What an argument name is; remembered, as agents reuse a handful of names."""
        kind = self._kinds.get(name)
        if kind is None:
            kind = self._classify(name)
            if len(self._kinds) < _KIND_CACHE_MAX:
                self._kinds[name] = kind
        return kind

    def _classify(self, name: str) -> str:
        lowered = name.lower()
        for kind, patterns in (("secret", self.rules.secret), ("personal", self.rules.personal),
                               ("identifier", self.rules.identifiers)):
            if any(fnmatchcase(lowered, p) for p in patterns):
                return kind
        return "plain"

    def mask(self, value: Any, kind: str = "plain") -> Any:
        """Mask a JSON value; `kind` is what the argument holding it was recognised as."""
        if isinstance(value, dict):
            # Below a secret or personal argument everything is; elsewhere each key decides.
            inherited = kind in ("secret", "personal")
            return {str(k): self.mask(v, kind if inherited else self._kind(str(k)))
                    for k, v in value.items()}
        if isinstance(value, list):
            return [self.mask(v, kind) for v in value]
        if value is None or isinstance(value, bool):
            return value
        if kind == "secret":
            return BLANKED
        if kind == "personal":
            return self.token(value)
        if isinstance(value, str) and kind == "plain" and any(
                p.fullmatch(value.strip()) for p in self.rules.personal_values):
            return self.token(value)
        return value

    def arguments(self, arguments: Any) -> dict[str, Any]:
        """A call's arguments as the log keeps them; a body that is not an object is hashed."""
        if isinstance(arguments, dict):
            masked: dict[str, Any] = self.mask(arguments)
            return masked
        return {"<body>": self.token(repr(arguments))}
