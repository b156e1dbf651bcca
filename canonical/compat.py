"""Compatibility between two schema versions, in a schema registry's terms.

- backward: a consumer on the NEW version can read documents written with the OLD one;
- forward: a consumer on the OLD version can read documents written with the NEW one;
- full: both.

Checked structurally on the JSON Schemas: a reader needs every field it requires to be
required by the writer with a compatible type, and, since canonical models forbid unknown
fields, every field the writer may emit must be known to the reader. The top-level `version`
field differs between any two versions by design and is not compared.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel

Schema = dict[str, Any]
VERSION_FIELD = "version"


class Compatibility(StrEnum):
    BACKWARD = "backward"
    FORWARD = "forward"
    FULL = "full"


def _resolve(node: Schema, root: Schema) -> Schema:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = root.get("$defs", {})[name]
    return node


def _variants(node: Schema, root: Schema) -> list[Schema]:
    node = _resolve(node, root)
    if "anyOf" in node:
        return [v for sub in node["anyOf"] for v in _variants(sub, root)]
    return [node]


def _type_label(node: Schema) -> str:
    if "const" in node:
        return f"const:{node['const']!r}"
    if "enum" in node:
        return "enum"
    return str(node.get("type", "any"))


def _readable(reader: Schema, writer: Schema, r_root: Schema, w_root: Schema, path: str,
              problems: list[str]) -> None:
    """Record why values valid for `writer` might not be valid for `reader`."""
    readers = _variants(reader, r_root)
    for w in _variants(writer, w_root):
        matches = [r for r in readers if _accepts(r, w)]
        if not matches:
            problems.append(
                f"{path or '<root>'}: reader takes {[_type_label(r) for r in readers]}, "
                f"writer may send {_type_label(w)}"
            )
            continue
        r = matches[0]
        if w.get("type") == "object" and "properties" in w:
            _compare_objects(r, w, r_root, w_root, path, problems)
        elif w.get("type") == "array" and "items" in w and "items" in r:
            _readable(r["items"], w["items"], r_root, w_root, f"{path}[]", problems)


def _accepts(reader: Schema, writer: Schema) -> bool:
    if not ({"type", "const", "enum"} & reader.keys()):
        return True
    if "const" in reader:
        return writer.get("const", object()) == reader["const"]
    if "enum" in reader:
        written = writer.get("enum", [writer["const"]] if "const" in writer else None)
        return written is not None and set(map(repr, written)) <= set(map(repr, reader["enum"]))
    if reader.get("type") == "number" and writer.get("type") == "integer":
        return True
    if reader.get("type") != writer.get("type"):
        return False
    if reader.get("format") != writer.get("format"):
        return False
    return not ("pattern" in reader and reader.get("pattern") != writer.get("pattern"))


def _compare_objects(reader: Schema, writer: Schema, r_root: Schema, w_root: Schema, path: str,
                     problems: list[str]) -> None:
    r_props: Schema = reader.get("properties", {})
    w_props: Schema = writer.get("properties", {})
    w_required = set(writer.get("required", []))
    for name in reader.get("required", []):
        if name not in w_required:
            problems.append(f"{path}.{name}: required by the reader, not always sent by the writer")
    closed = reader.get("additionalProperties") is False
    for name, w_node in w_props.items():
        if not path and name == VERSION_FIELD:
            continue
        if name in r_props:
            _readable(r_props[name], w_node, r_root, w_root, f"{path}.{name}", problems)
        elif closed:
            problems.append(f"{path}.{name}: sent by the writer, unknown to the reader")


def _reads(model: type[BaseModel]) -> Schema:
    return model.model_json_schema(mode="validation")


def _writes(model: type[BaseModel]) -> Schema:
    return model.model_json_schema(mode="serialization")


def incompatibilities(old: type[BaseModel], new: type[BaseModel], mode: Compatibility) -> (
    list[str]
):
    """Every reason the change old -> new breaks `mode`; empty means compatible."""
    problems: list[str] = []
    if mode in (Compatibility.BACKWARD, Compatibility.FULL):
        reader, writer = _reads(new), _writes(old)
        found: list[str] = []
        _readable(reader, writer, reader, writer, "", found)
        problems += [f"backward: {p}" for p in found]
    if mode in (Compatibility.FORWARD, Compatibility.FULL):
        reader, writer = _reads(old), _writes(new)
        found = []
        _readable(reader, writer, reader, writer, "", found)
        problems += [f"forward: {p}" for p in found]
    return problems


def is_compatible(old: type[BaseModel], new: type[BaseModel], mode: Compatibility) -> bool:
    return not incompatibilities(old, new, mode)
