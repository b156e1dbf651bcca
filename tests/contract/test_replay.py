"""Contract: a happy call recorded live replays to the same ToolResult with no server, no secret."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import pytest

from adapters.kit import ToolContext
from bridges.secrets import MemorySecretStore
from gateway.suites.diff import without
from gateway.suites.environment import with_cassettes
from gateway.suites.suite import DEFAULT_IGNORE
from tests.contract.cases import DIRECT, ToolClass, call, check_result, contract, each, systems_of
from tests.contract.systems import Lab
from tests.support.servers import serve_gateway

# Replays run a day later by the tools' clock: what a tool writes from the time (a file's
# creation stamp, a quote's date) must not be what its cassette is matched by.
A_DAY_LATER = timedelta(days=1)


def cassettes(lab: Lab, names: set[str], mode: Literal["record", "replay"], folder: Path) -> (
    dict[str, dict[str, Any]]
):
    """The systems' live configs switched to record into / replay from one file each."""
    return with_cassettes(lab.systems(names), mode, folder)


@pytest.mark.parametrize("tool", each(DIRECT))
def test_replay(tool: ToolClass, lab: Lab, roles: dict[str, list[str]], tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> None:
    declared = contract(tool)
    names = systems_of(tool)
    with serve_gateway(cassettes(lab, names, "record", tmp_path), roles,
                       secrets=lab.secrets(names), tools=[tool]) as recording:
        live = call(recording, tool, dict(declared.happy))
    check_result(tool, *live)
    later = ToolContext.now() + A_DAY_LATER
    monkeypatch.setattr(ToolContext, "now", staticmethod(lambda: later))
    # Every system it reaches is broken meanwhile: a bridge that went live would get a 502.
    with ExitStack() as broken:
        for name in sorted(names):
            broken.enter_context(lab.fault(name))
        with serve_gateway(cassettes(lab, names, "replay", tmp_path), roles,
                           secrets=MemorySecretStore(), tools=[tool]) as replaying:
            replayed = call(replaying, tool, dict(declared.happy))
    check_result(tool, *replayed)
    ignored = (*DEFAULT_IGNORE, *declared.volatile)  # what the gateway itself stamps, too
    assert without(replayed[1], ignored) == without(live[1], ignored)
