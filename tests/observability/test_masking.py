"""Masking rules: what the audit log keeps readable, blanks, or replaces by a keyed hash."""

from __future__ import annotations

import pytest

from gateway.masking import BLANKED, DEFAULT_RULES, Masker, MaskingRules

MASKER = Masker(b"k" * 32)


@pytest.mark.parametrize("name", ["password", "db_password", "api_key", "pin", "cvv",
                                  "access_token", "Client_Secret"])
def test_secret_arguments_are_blanked_whatever_their_value(name: str) -> None:
    assert MASKER.arguments({name: "x", "nested": {name: 42}}) == {
        name: BLANKED, "nested": {name: BLANKED}}


@pytest.mark.parametrize("name", ["name", "last_name", "birth_date", "email", "phone",
                                  "description", "message", "national_id", "address"])
def test_personal_arguments_become_keyed_tokens(name: str) -> None:
    masked = MASKER.arguments({name: "Jane Roe 1970-01-01", "items": [{name: "x"}]})
    assert masked[name].startswith("pd:") and "Jane" not in masked[name]
    assert masked["items"][0][name].startswith("pd:")
    # Another key gives other tokens: a log holder cannot test guesses without the key.
    assert Masker(b"o" * 32).arguments({name: "Jane Roe 1970-01-01"})[name] != masked[name]


@pytest.mark.parametrize(("value", "masked"), [
    ("jane.roe@example.org", True), ("+44 20 7946 0958", True), ("555-123-4567", True),
    ("020 7946 0958", True), ("1000000001", False), ("1000000.00", False),
    ("2026-01-01", False), ("2026-01-01T10:00:00+00:00", False), ("LN-PERS", False),
])
def test_contact_details_are_masked_under_any_argument_name(value: str, masked: bool) -> None:
    stored = MASKER.arguments({"query": value})["query"]
    assert stored.startswith("pd:") is masked and (stored == value) is not masked


def test_identifiers_numbers_and_flags_stay_readable() -> None:
    arguments = {"customer_id": "C000001", "account_id": "1000000001", "limit": 5,
                 "active_only": True, "since": None, "product_code": "LN-PERS"}
    assert MASKER.arguments(arguments) == arguments


def test_rules_are_data_and_a_body_that_is_not_an_object_is_hashed() -> None:
    strict = Masker(b"k" * 32, MaskingRules(secret=(), personal=("*",), identifiers=(),
                                            personal_values=DEFAULT_RULES.personal_values))
    assert strict.arguments({"anything": "x"})["anything"].startswith("pd:")
    assert list(MASKER.arguments(["John Doe"])) == ["<body>"]
    assert MASKER.arguments(["John Doe"])["<body>"].startswith("pd:")
