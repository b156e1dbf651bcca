"""The tool registry: adapters discovered in `adapters/`, their tools by name."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from typing import Any

import adapters
from adapters.kit import Tool
from bridges.errors import ConfigError

log = logging.getLogger("mainbridge.registry")
_NOT_ADAPTERS = {"kit"}


def adapter_modules() -> list[str]:
    """Every reference adapter module: a module of `adapters` that declares TOOLS."""
    return sorted(m.name for m in pkgutil.iter_modules(adapters.__path__)
                  if m.name not in _NOT_ADAPTERS and not m.name.startswith("_"))


def load_tools(modules: list[str] | None = None) -> list[type[Tool[Any]]]:
    tools: list[type[Tool[Any]]] = []
    for name in modules if modules is not None else adapter_modules():
        try:
            module = importlib.import_module(f"adapters.{name}")
        except ModuleNotFoundError as exc:
            raise ConfigError(f"adapter module {name!r} not found") from exc
        declared = getattr(module, "TOOLS", None)
        if declared is None:
            raise ConfigError(f"adapter module {name!r} declares no TOOLS")
        tools.extend(declared)
    return tools


class ToolRegistry:
    def __init__(self, tools: list[type[Tool[Any]]]) -> None:
        self._tools: dict[str, Tool[Any]] = {}
        for cls in tools:
            self.add(cls)

    def add(self, cls: type[Tool[Any]]) -> None:
        """Also how the gateway adds its built-in tools (get_audit_trail)."""
        if cls.name in self._tools:
            raise ConfigError(f"two tools are called {cls.name!r}")
        self._tools[cls.name] = cls()

    def get(self, name: str) -> Tool[Any] | None:
        return self._tools.get(name)

    def all(self) -> list[Tool[Any]]:
        return [self._tools[n] for n in sorted(self._tools)]

    @staticmethod
    def openai_function(tool: Tool[Any]) -> dict[str, Any]:
        return {"type": "function", "function": {
            "name": tool.name, "description": tool.description,
            "parameters": tool.parameters_schema()}}
