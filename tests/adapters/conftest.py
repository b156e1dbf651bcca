"""Adapter tests (what `mainbridge new adapter` writes): gateways over reference emulators."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.support.reference import ReferenceGateways


@pytest.fixture(scope="session")
def reference_gateways(tmp_path_factory: pytest.TempPathFactory,
                       roles: dict[str, list[str]]) -> Iterator[ReferenceGateways]:
    with ExitStack() as stack:
        yield ReferenceGateways(stack, tmp_path_factory.mktemp("reference"), roles)
