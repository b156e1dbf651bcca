"""SqlTool: a tool that is one declared SQL statement plus two small hooks."""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar, Generic

from adapters.kit.tool import P, Tool, ToolContext, ToolOutput
from bridges.errors import ConfigError, NotFound
from bridges.odbc import OdbcBridge, Param, Query, Row, Statement
from canonical import CanonicalModel


async def fetch_rows(ctx: ToolContext, system: str, statement: Statement,
                     args: tuple[Param, ...], max_rows: int | None = None) -> list[Row]:
    """Run one declared statement on the system's ODBC bridge."""
    bridge = ctx.bridge(system)
    if not isinstance(bridge, OdbcBridge):
        raise ConfigError(f"system {system!r} is not an ODBC bridge")
    result = await bridge.exchange(Query(statement, args, max_rows=max_rows))
    return result.rows


class SqlTool(Tool[P], Generic[P]):
    """Declare `statement`; implement `bind` (params -> tuple) and `to_canonical` (row -> model)."""

    statement: ClassVar[Statement]
    not_found: ClassVar[str] = "no matching record"
    # Optional: a statement that must return a row first (e.g. "the account exists"), so that
    # an empty list means "none" and an unknown parent object means 404.
    guard: ClassVar[Statement | None] = None
    guard_not_found: ClassVar[str] = "not found"

    @abstractmethod
    def bind(self, params: P) -> tuple[Param, ...]:
        """The statement's `?` values, in order."""

    @abstractmethod
    def to_canonical(self, row: Row, params: P) -> CanonicalModel:
        """One result row as the canonical model."""

    def bind_guard(self, params: P) -> tuple[Param, ...]:
        """Hook: the guard statement's `?` values (default: the same as `bind`)."""
        return self.bind(params)

    async def check_guard(self, params: P, ctx: ToolContext) -> Row | None:
        if self.guard is None:
            return None
        rows = await fetch_rows(ctx, self.system, self.guard, self.bind_guard(params), max_rows=1)
        if not rows:
            raise NotFound(self.guard_not_found.format(**params.model_dump()),
                           system=self.system)
        return rows[0]

    def max_rows(self, params: P) -> int | None:
        """Hook: how many rows to fetch at most (None: all)."""
        return None if self.many else 2

    def finish(self, models: list[CanonicalModel], params: P, ctx: ToolContext) -> ToolOutput:
        """Hook: shape the answer. Default: the list, or exactly one model."""
        if self.many:
            return models
        if not models:
            raise NotFound(self.not_found.format(**params.model_dump()), system=self.system)
        return models[0]

    async def run(self, params: P, ctx: ToolContext) -> ToolOutput:
        await self.check_guard(params, ctx)
        rows = await fetch_rows(ctx, self.system, self.statement, self.bind(params),
                                self.max_rows(params))
        return self.finish([self.to_canonical(row, params) for row in rows], params, ctx)

