"""The reference bank: deterministic, committed exactly as the generator writes it."""

from __future__ import annotations

import importlib.util
from collections import Counter
from decimal import Decimal

from emulators.dataset import BankDataset, fixtures_dir


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bank_generate",
                                                  fixtures_dir() / "bank" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_files_are_exactly_what_the_generator_writes() -> None:
    data_dir = fixtures_dir() / "bank" / "data"
    rendered = _generator().render()
    assert sorted(rendered) == sorted(p.name for p in data_dir.iterdir())
    for name, text in rendered.items():
        assert (data_dir / name).read_text(encoding="utf-8") == text, name


def test_reference_bank_facts() -> None:
    bank = BankDataset()
    ids = [c["customer_id"] for c in bank.customers]
    assert ids == [f"C{n:06d}" for n in range(1, 201)]
    john = bank.customers_by_id["C000001"]
    assert (john["first_name"], john["last_name"]) == ("John", "Doe")
    first = bank.accounts[0]
    assert (first["account_id"], first["customer_id"]) == ("1000000001", "C000001")
    assert len(bank.accounts) / len(bank.customers) >= 2
    assert len(bank.transactions) >= 10_000
    per_account = Counter(t["account_id"] for t in bank.transactions)
    assert set(per_account) <= set(bank.accounts_by_id)
    assert any(Decimal(t["amount"]) >= 10_000 for t in bank.transactions)
    assert any(ch in "".join(c["last_name"] for c in bank.customers) for ch in "éüøñ")
