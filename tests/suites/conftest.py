"""Golden-suite fixtures: a scratch copy of a recorded suite, and demo-like environments."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from emulators.soap import SoapEmulator
from emulators.tn3270 import Tn3270Host
from gateway.demo import (
    DEMO_EMULATORS,
    EmulatorStarter,
    SystemsConfig,
    corebanking_systems,
    demo_settings,
    soap_systems,
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
                soap = stack.enter_context(SoapEmulator())
                soap.crm_v2.renamed = soap_renamed  # the CRM replies with renamed elements
                systems.update(soap_systems(stack, soap))
            if screen_maps is not None:  # the host draws its screens from another map file
                systems.update(corebanking_systems(
                    stack, stack.enter_context(Tn3270Host(maps=screen_maps))))
            return Environment("test", demo_settings(Settings(), systems))

        yield build
