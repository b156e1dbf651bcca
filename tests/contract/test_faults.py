"""Contract: a misbehaving legacy system is a 502, a slow one a 504, for every direct tool.

Each system gets its own gateways, holding only that system's tools: a tool's fallbacks
(other systems' tools) are then absent, so the fault shows instead of being served around.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from gateway.breaker import BreakerConfig
from gateway.controls import ControlSettings, RetryConfig
from tests.contract.cases import DIRECT, ToolClass, call, check_error, contract, systems_of
from tests.contract.systems import SYSTEMS, Lab
from tests.support.servers import ServedApp, serve_gateway

TIMEOUT_S = 0.5  # the tools' timeout in the slow gateways; the emulators lag SLOW_S
# One attempt and a breaker that never opens: the contract is the status a fault ends in, and
# one tool's failures must not open the circuit for the next (retries and breakers have
# their own tests in tests/controls).
CONTROLS = ControlSettings(retry=RetryConfig(attempts=1),
                           breaker=BreakerConfig(window=1000, min_calls=1000))


CASES = [pytest.param(t, id=t.name) for t in sorted(DIRECT, key=lambda t: t.system)]


def hurried(tool: ToolClass) -> ToolClass:
    """The same tool with a short timeout, so a slow backend times out quickly."""
    return type(tool.__name__, (tool,), {"timeout_s": TIMEOUT_S, "__module__": __name__})


def system_gateway(lab: Lab, roles: dict[str, list[str]], tools: list[ToolClass]) -> ServedApp:
    names = set().union(*(systems_of(t) for t in tools))
    return serve_gateway(lab.systems(names), roles, secrets=lab.secrets(names), tools=tools,
                         controls=CONTROLS)


class OneAtATime:
    """A gateway per system, one open at a time (the cases come sorted by system)."""

    def __init__(self, start: Callable[[str], ServedApp]) -> None:
        self.start = start
        self.system: str | None = None
        self.served: ServedApp | None = None

    def __call__(self, system: str) -> ServedApp:
        if system != self.system:
            self.close()
            self.served = self.start(system).__enter__()
            self.system = system
        assert self.served is not None
        return self.served

    def close(self) -> None:
        if self.served is not None:
            self.served.__exit__(None, None, None)
        self.served = self.system = None


@pytest.fixture(scope="module")
def fault_gateways(lab: Lab, roles: dict[str, list[str]]) -> Iterator[OneAtATime]:
    gateways = OneAtATime(lambda system: system_gateway(
        lab, roles, [t for t in DIRECT if t.system == system]))
    yield gateways
    gateways.close()


@pytest.fixture(scope="module")
def slow_gateways(lab: Lab, roles: dict[str, list[str]]) -> Iterator[OneAtATime]:
    gateways = OneAtATime(lambda system: system_gateway(
        lab, roles, [hurried(t) for t in DIRECT if t.system == system]))
    yield gateways
    gateways.close()


@pytest.mark.parametrize("tool", CASES)
def test_fault(fault_gateways: OneAtATime, tool: ToolClass, lab: Lab) -> None:
    gateway = fault_gateways(tool.system)
    with lab.fault(tool.system):
        status, body = call(gateway, tool, dict(contract(tool).happy))
    assert status == 502, body
    check_error(body, retriable=SYSTEMS[tool.system].fault_retriable)


@pytest.mark.parametrize("tool", CASES)
def test_timeout(slow_gateways: OneAtATime, tool: ToolClass, lab: Lab) -> None:
    gateway = slow_gateways(tool.system)
    with lab.slow(tool.system):
        status, body = call(gateway, tool, dict(contract(tool).happy))
    assert status == 504, body
    check_error(body, "bridge_timeout", retriable=True)
