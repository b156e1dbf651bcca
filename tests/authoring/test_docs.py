"""docs/adapters.md, run: its modules written into a project copy, each documented call made
through a real gateway over its system's emulator, each `mainbridge new adapter` session."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest

from gateway.cli import parse_pairs
from tests.authoring.conftest import ROOT, Project
from tests.support.reference import ReferenceGateways
from tests.support.servers import serve_gateway

DOC = ROOT / "docs" / "adapters.md"
BLOCK = re.compile(r"^```(\w+)(?: title=(\S+))?\n(.*?)^```$", re.S | re.M)


@dataclass(frozen=True)
class Example:
    path: str  # adapters/<module>.py
    source: str
    call: str  # the `mainbridge call ...` line
    result: dict[str, Any]  # fields the ToolResult must hold


def blocks() -> list[tuple[str, str, str]]:
    return [(m[1], m[2] or "", m[3]) for m in BLOCK.finditer(DOC.read_text(encoding="utf-8"))]


def examples() -> list[Example]:
    """Each module block with the call and the result blocks that follow it."""
    found, pending = [], None
    calls: list[str] = []
    for kind, title, text in blocks():
        if kind == "python" and title.startswith("adapters/"):
            pending, calls = (title, text), []
        elif title == "call":
            calls.append(text.strip().removeprefix("$ "))
        elif title == "result" and pending is not None:
            found.append(Example(pending[0], pending[1], calls[-1], json.loads(text)))
            pending = None
    return found


def sessions() -> list[str]:
    return [text for kind, title, text in blocks() if kind == "console" and title == "scaffold"]


EXAMPLES = examples()


def holds(actual: Any, expected: Any) -> bool:
    """`expected` is a part of `actual`: its keys, and for a list, an item matching each."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and holds(actual[key], value) for key, value in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and all(
            any(holds(item, wanted) for item in actual) for wanted in expected)
    return bool(actual == expected)


def test_the_page_has_an_example_for_every_bridge() -> None:
    assert [e.result["source"]["bridge"] for e in EXAMPLES] == [
        "odbc", "soap", "tn3270", "browser", "sftp"]
    assert len(sessions()) == 4


@pytest.fixture(scope="module")
def written(project: Project) -> Iterator[dict[str, ModuleType]]:
    """The documented modules, written into the copy and imported from there."""
    modules: dict[str, ModuleType] = {}
    for example in EXAMPLES:
        path = project.root / example.path
        path.write_text(example.source, encoding="utf-8")
        name = f"adapters.{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        modules[example.path] = module
    yield modules
    for module in modules.values():
        sys.modules.pop(module.__name__, None)


@pytest.fixture(scope="module")
def references(tmp_path_factory: pytest.TempPathFactory,
               roles: dict[str, list[str]]) -> Iterator[tuple[ReferenceGateways, ExitStack]]:
    with ExitStack() as stack:
        yield ReferenceGateways(stack, tmp_path_factory.mktemp("docs"), roles), stack


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.path for e in EXAMPLES])
def test_documented_call_returns_the_documented_fields(
        example: Example, written: dict[str, ModuleType],
        references: tuple[ReferenceGateways, ExitStack], request: pytest.FixtureRequest) -> None:
    tools = written[example.path].TOOLS
    words = shlex.split(example.call)
    assert words[:2] == ["mainbridge", "call"] and words[2] in {t.name for t in tools}
    system = tools[0].system
    gateways, stack = references
    db = request.getfixturevalue("sqlite_bank") if system == "bankdb" else None
    config, secrets = gateways.config(system, db)
    served = stack.enter_context(serve_gateway({system: config}, gateways.roles, secrets,
                                               tools=tools))
    with served.client("admin") as client:
        reply = client.post(f"/tools/{words[2]}", json=parse_pairs(words[3:]))
    assert reply.status_code == 200, reply.text
    assert holds(reply.json(), example.result), json.dumps(reply.json(), indent=1)[:3000]


def test_documented_modules_are_ruff_and_mypy_clean(project: Project,
                                                    written: dict[str, ModuleType]) -> None:
    paths = [e.path for e in EXAMPLES]
    mypy = project.run("mypy", "--follow-imports=silent", "--cache-dir",
                       str(project.root / ".mypy_cache"), *paths)
    ruff = project.run("ruff", "check", "--no-cache", *paths)
    ruff_out, mypy_out = ruff.communicate(timeout=60)[0], mypy.communicate(timeout=180)[0]
    assert ruff.returncode == 0, ruff_out
    assert mypy.returncode == 0, mypy_out


@pytest.mark.parametrize("session", sessions())
def test_documented_scaffold_sessions_print_what_the_page_shows(
        session: str, project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project.root)  # the page's relative paths are from the project root
    lines = session.strip().splitlines()
    command = shlex.split(lines[0].removeprefix("$ "))
    assert command[:3] == ["mainbridge", "new", "adapter"]
    code, output = project.new_adapter(*command[3:])
    assert code == 0, output
    for line in lines[1:]:
        assert line in output
