"""Who owns the object an argument names, asked of the legacy system that knows (cached)."""

from __future__ import annotations

import time
from typing import Any

from bridges.base import Bridge
from bridges.errors import ConfigError
from bridges.odbc import ColumnType, OdbcBridge, Query, Statement, char
from gateway.abac import Ownership

_TTL_S = 60.0


class OwnershipResolver:
    def __init__(self, rules: dict[str, Ownership], bridges: dict[str, Bridge[Any, Any]]) -> None:
        self.rules = rules
        self.bridges = bridges
        self._cache: dict[tuple[str, str], tuple[str | None, float]] = {}

    async def owner(self, argument: str, value: str) -> str | None:
        """The owning customer id, or None when the object is unknown."""
        if argument == "customer_id":
            return value
        rule = self.rules.get(argument)
        if rule is None:
            raise ConfigError(f"no ownership rule for argument {argument!r}")
        hit = self._cache.get((argument, value))
        if hit and time.monotonic() - hit[1] < _TTL_S:
            return hit[0]
        bridge = self.bridges.get(rule.system)
        if not isinstance(bridge, OdbcBridge):
            raise ConfigError(f"ownership of {argument} needs an ODBC system, {rule.system!r}")
        param = char(value, rule.width) if rule.width else value
        result = await bridge.exchange(Query(
            Statement(rule.sql, {rule.owner_column: ColumnType.CHAR}), (param,), max_rows=1))
        owner = result.rows[0][rule.owner_column] if result.rows else None
        self._cache[(argument, value)] = (owner, time.monotonic())
        return owner
