"""Contract suite fixtures: the session's emulators and a gateway over every reference system."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contract.systems import SYSTEMS, Lab
from tests.support.servers import ServedApp, serve_gateway


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """One emulator per reference system for the whole session, started when first needed."""
    emulators = Lab(Path(tmp_path_factory.mktemp("contract")))
    try:
        yield emulators
    finally:
        emulators.close()


@pytest.fixture(scope="session")
def live_gateway(lab: Lab, roles: dict[str, list[str]]) -> Iterator[ServedApp]:
    """Every adapter's tools over every reference system, as the demo wires them."""
    names = set(SYSTEMS)
    with serve_gateway(lab.systems(names), roles, secrets=lab.secrets(names)) as served:
        yield served
