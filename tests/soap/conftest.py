"""SOAP fixtures: one emulator for the session, bridges and gateways over it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters import crm, sanctions, ticketing
from bridges.secrets import MemorySecretStore
from emulators.soap import Faults, SoapEmulator
from tests.support.servers import ServedApp, serve_gateway


@pytest.fixture(scope="session")
def soap_emulator() -> Iterator[SoapEmulator]:
    with SoapEmulator(sanctions_latency_s=0.05) as emulator:
        yield emulator


@pytest.fixture
def faults(soap_emulator: SoapEmulator) -> Iterator[SoapEmulator]:
    """The emulator, with whatever faults the test sets cleared afterwards."""
    yield soap_emulator
    soap_emulator.faults = Faults()


@pytest.fixture(scope="session")
def soap_secrets(soap_emulator: SoapEmulator) -> MemorySecretStore:
    return MemorySecretStore({"ticketing.password": soap_emulator.ticketing_password})


def soap_systems(emulator: SoapEmulator, crm_version: str = "v2", **crm_overrides: Any) -> (
    dict[str, dict[str, Any]]
):
    return {"crm": {**crm.system_config(emulator.url(f"/crm/{crm_version}"), crm_version),
                    **crm_overrides},
            "ticketing": ticketing.system_config(emulator.url("/ticketing")),
            "sanctions": {**sanctions.system_config(emulator.url("/sanctions")),
                          "timeout_s": 2.0}}


@pytest.fixture(scope="session", params=["v1", "v2"])
def crm_gateway(request: pytest.FixtureRequest, soap_emulator: SoapEmulator,
                soap_secrets: MemorySecretStore,
                roles: dict[str, list[str]]) -> Iterator[ServedApp]:
    """A real gateway whose `crm` system speaks CRM v1 or v2 (every test runs on both)."""
    with serve_gateway(soap_systems(soap_emulator, request.param), roles,
                       secrets=soap_secrets) as served:
        yield served


@pytest.fixture(scope="session")
def soap_gateway(soap_emulator: SoapEmulator, soap_secrets: MemorySecretStore,
                 roles: dict[str, list[str]]) -> Iterator[ServedApp]:
    with serve_gateway(soap_systems(soap_emulator), roles, secrets=soap_secrets) as served:
        yield served
