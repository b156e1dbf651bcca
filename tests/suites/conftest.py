"""Golden-suite fixtures: a scratch copy of a recorded suite, and demo-like environments."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from adapters import crm, sanctions, ticketing
from adapters.core_banking import system_config as corebanking_config
from emulators.soap import SoapEmulator
from emulators.tn3270 import Tn3270Host
from gateway.demo import (
    DEMO_EMULATORS,
    EmulatorStarter,
    SystemsConfig,
    demo_settings,
    start_corebanking,
    start_soap,
)
from gateway.settings import Settings
from gateway.suites.environment import Environment
from gateway.suites.suite import SuiteFiles, suites_dir


@pytest.fixture
def suite_copy(tmp_path: Path) -> Callable[[str], SuiteFiles]:
    """A recorded golden suite copied aside, so a test may re-record or edit it."""

    def copy(name: str) -> SuiteFiles:
        target = tmp_path / name
        shutil.copytree(suites_dir() / name, target)
        return SuiteFiles(target)

    return copy


def secret_env(stack: ExitStack, name: str, value: str) -> None:
    os.environ[f"MAINBRIDGE_SECRET_{name}"] = value
    stack.callback(os.environ.pop, f"MAINBRIDGE_SECRET_{name}", None)


def start_drifted_soap(stack: ExitStack, renamed: dict[str, str]) -> SystemsConfig:
    """The demo's SOAP services, the CRM replying with renamed elements."""
    soap = stack.enter_context(SoapEmulator())
    soap.crm_v2.renamed = renamed
    secret_env(stack, "TICKETING_PASSWORD", soap.ticketing_password)
    return {"crm": crm.system_config(soap.url("/crm/v2"), "v2"),
            "ticketing": ticketing.system_config(soap.url("/ticketing")),
            "sanctions": sanctions.system_config(soap.url("/sanctions/soap12"), soap12=True)}


def start_drifted_host(stack: ExitStack, maps: Path) -> SystemsConfig:
    """The core banking host drawing its screens from another map file."""
    host = stack.enter_context(Tn3270Host(maps=maps))
    secret_env(stack, "COREBANKING_PASSWORD", host.password)
    return {"corebanking": corebanking_config(host.port)}


@pytest.fixture
def demo_env(tmp_path: Path) -> Iterator[Callable[..., Environment]]:
    """Build the demo environment, optionally with some emulators replaced by drifted ones."""
    with ExitStack() as stack:

        def build(soap_renamed: dict[str, str] | None = None,
                  screen_maps: Path | None = None) -> Environment:
            replaced: dict[EmulatorStarter, bool] = {start_soap: soap_renamed is not None,
                        start_corebanking: screen_maps is not None}
            systems: SystemsConfig = {}
            for starter in DEMO_EMULATORS:
                if not replaced.get(starter):
                    systems.update(starter(stack, tmp_path))
            if soap_renamed is not None:
                systems.update(start_drifted_soap(stack, soap_renamed))
            if screen_maps is not None:
                systems.update(start_drifted_host(stack, screen_maps))
            return Environment("test", demo_settings(Settings(), systems))

        yield build
