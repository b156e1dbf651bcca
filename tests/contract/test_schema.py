"""Contract: every tool is declared completely and its schemas are what agents can use."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from canonical import registry
from tests.contract.cases import DIRECT, TOOLS, ToolClass, contract, each, systems_of
from tests.contract.systems import SYSTEMS

OPENAI_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def resolve(schema: dict[str, Any], ref: str) -> Any:
    """A local JSON pointer (`#/$defs/Payment`); anything else cannot be resolved offline."""
    assert ref.startswith("#"), f"$ref {ref!r} points outside the schema"
    node: Any = schema
    for part in filter(None, ref[1:].split("/")):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"$ref {ref!r} does not resolve"
        node = node[part]
    return node


def test_the_adapters_offer_tools_on_known_systems() -> None:
    """Never an empty suite; a tool on a system without a row in SYSTEMS fails by name."""
    assert TOOLS, "no adapter declares any tool"
    unknown = {t.name: sorted(systems_of(t) - set(SYSTEMS)) for t in DIRECT
               if systems_of(t) - set(SYSTEMS)}
    assert not unknown, f"tools on systems tests/contract/systems.py has no row for: {unknown}"


@pytest.mark.parametrize("tool", each(TOOLS))
def test_declares_contract(tool: ToolClass) -> None:
    assert tool.contract is not None, f"{tool.name} ({tool.__module__}) declares no contract"


@pytest.mark.parametrize("tool", each(TOOLS))
def test_schema(tool: ToolClass) -> None:
    """Valid JSON Schema (2020-12) that OpenAI function calling accepts."""
    schema = tool.parameters_schema()
    Draft202012Validator.check_schema(schema)
    assert OPENAI_NAME.match(tool.name), tool.name
    assert tool.description.strip(), f"{tool.name} has no description"
    assert schema.get("type") == "object" and isinstance(schema.get("properties"), dict)
    assert schema.get("additionalProperties") is False
    for ref in refs(schema):
        resolve(schema, ref)
    # The example calls are valid by the schema agents see, not only by the pydantic model.
    declared = contract(tool)
    for arguments in (declared.happy, declared.not_found):
        if arguments is not None:
            Draft202012Validator(schema).validate(dict(arguments))


@pytest.mark.parametrize("tool", each(TOOLS))
def test_return_schema(tool: ToolClass) -> None:
    schema = registry.json_schema(tool.returns)
    Draft202012Validator.check_schema(schema)
    for ref in refs(schema):
        resolve(schema, ref)
