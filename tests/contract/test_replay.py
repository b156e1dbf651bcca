"""Contract: a happy call recorded live replays to the same ToolResult with no server, no secret."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any, Literal

import pytest

from bridges.secrets import MemorySecretStore
from gateway.systems import bridge_class
from tests.contract.cases import DIRECT, ToolClass, call, check_result, contract, each, systems_of
from tests.contract.systems import Lab
from tests.support.servers import serve_gateway

# What differs between any two calls, whatever the tool: stamped by the gateway itself.
UNSTABLE = ("trace_id", "source.fetched_at", "source.age_s")
Mode = Literal["record", "replay"]


def without(value: Any, path: list[str]) -> Any:
    """`value` minus the field at a dotted path; a list applies the path to every item."""
    if isinstance(value, list):
        return [without(item, path) for item in value]
    if not isinstance(value, dict) or path[0] not in value:
        return value
    if len(path) == 1:
        return {k: v for k, v in value.items() if k != path[0]}
    return {**value, path[0]: without(value[path[0]], path[1:])}


def stable(result: dict[str, Any], volatile: tuple[str, ...]) -> dict[str, Any]:
    for path in (*UNSTABLE, *volatile):
        result = without(result, path.split("."))
    return result


def cassettes(lab: Lab, names: set[str], mode: Mode, folder: Path) -> (
    dict[str, dict[str, Any]]
):
    """The systems' live configs switched to record into / replay from one file each."""
    systems = lab.systems(names)
    out: dict[str, dict[str, Any]] = {}
    for name, config in systems.items():
        cls = bridge_class(config["bridge"])
        path = folder / f"{name}{cls.cassette_suffix}"
        out[name] = {**config, **cls.cassette_config(mode, path)}
    return out


@pytest.mark.parametrize("tool", each(DIRECT))
def test_replay(tool: ToolClass, lab: Lab, roles: dict[str, list[str]], tmp_path: Path) -> None:
    declared = contract(tool)
    names = systems_of(tool)
    with serve_gateway(cassettes(lab, names, "record", tmp_path), roles,
                       secrets=lab.secrets(names), tools=[tool]) as recording:
        live = call(recording, tool, dict(declared.happy))
    check_result(tool, *live)
    # Every system it reaches is broken meanwhile: a bridge that went live would get a 502.
    with ExitStack() as broken:
        for name in sorted(names):
            broken.enter_context(lab.fault(name))
        with serve_gateway(cassettes(lab, names, "replay", tmp_path), roles,
                           secrets=MemorySecretStore(), tools=[tool]) as replaying:
            replayed = call(replaying, tool, dict(declared.happy))
    check_result(tool, *replayed)
    assert stable(replayed[1], declared.volatile) == stable(live[1], declared.volatile)
