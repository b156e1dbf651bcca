"""Field-level differences between an expected and an actual JSON result, volatile fields aside.

Paths are dotted ("data.email", "data.3.amount.value"); in ignore patterns `*` stands for any
one key or list index. A difference names its path, the expected and the actual value, so a
renamed or moved legacy field reads as `data.email: expected 'x', got (missing)`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "(missing)"})()
_SHOWN = 200  # characters of a value shown in a difference


@dataclass(frozen=True)
class Difference:
    path: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return f"{self.path or '(result)'}: expected {_show(self.expected)}, " \
               f"got {_show(self.actual)}"


def _show(value: Any) -> str:
    if value is MISSING:
        return "(missing)"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _SHOWN else text[:_SHOWN - 1] + "…"


def _join(path: str, key: str | int) -> str:
    return f"{path}.{key}" if path else str(key)


def _matches(path: list[str], pattern: list[str]) -> bool:
    return len(path) == len(pattern) and all(p in ("*", s) for s, p in zip(path, pattern,
                                                                           strict=True))


def without(value: Any, ignore: tuple[str, ...] | list[str], _path: list[str] | None = None) -> (
    Any
):
    """`value` with every field matching an ignore pattern left out."""
    path = _path or []
    patterns = [p.split(".") for p in ignore]
    if isinstance(value, dict):
        return {k: without(v, ignore, [*path, k]) for k, v in value.items()
                if not any(_matches([*path, k], p) for p in patterns)}
    if isinstance(value, list):
        return [without(v, ignore, [*path, str(i)]) for i, v in enumerate(value)]
    return value


def differences(expected: Any, actual: Any, path: str = "") -> list[Difference]:
    """Every leaf that differs; a list of another length is one difference plus its items.

    An object present on one side only is shown leaf by leaf, so each field is named.
    """
    if expected is MISSING and isinstance(actual, dict):
        expected = dict.fromkeys(actual, MISSING)
    elif actual is MISSING and isinstance(expected, dict):
        actual = dict.fromkeys(expected, MISSING)
    if isinstance(expected, dict) and isinstance(actual, dict):
        found: list[Difference] = []
        for key in [*expected, *(k for k in actual if k not in expected)]:
            found += differences(expected.get(key, MISSING), actual.get(key, MISSING),
                                 _join(path, key))
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        found = []
        if len(expected) != len(actual):
            found.append(Difference(_join(path, "length"), len(expected), len(actual)))
        for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
            found += differences(e, a, _join(path, i))
        return found
    if expected is MISSING and actual is MISSING:
        return []
    if type(expected) is not type(actual) or expected != actual:
        return [Difference(path, expected, actual)]
    return []
