"""Records-engine fixtures: the shop copybooks and settlement files from the emulator's own
independent writer (so engine and fixtures cannot share a misunderstanding)."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulators.sftp.settlement import PARTNERS, SettlementBook

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "batch"


@pytest.fixture(scope="session")
def stlrec() -> str:
    return (FIXTURES / "STLREC.cpy").read_text()


@pytest.fixture(scope="session")
def book() -> SettlementBook:
    return SettlementBook()


@pytest.fixture(scope="session")
def fixed_file(book: SettlementBook) -> bytes:
    return book.file(PARTNERS[0], book.days[-1])


@pytest.fixture(scope="session")
def rdw_file(book: SettlementBook) -> bytes:
    return book.file(PARTNERS[1], book.days[-1])
