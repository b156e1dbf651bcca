"""Tool: a typed async function plus its metadata, declared as class attributes.

The class attributes ARE the declaration (name, parameter model, canonical return schema,
the legacy system it talks to, cache TTL, timeout, idempotency). One abstract method, `run`,
does the work; protocol bases (SqlTool, ...) implement `run` from declared data and leave
small hooks to the adapter.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from adapters.kit.contract import Contract
from bridges.base import Bridge
from bridges.errors import BridgeError, ConfigError
from canonical import CanonicalModel, registry

P = TypeVar("P", bound=BaseModel)
ToolOutput = CanonicalModel | list[CanonicalModel]


@dataclass
class PartError:
    """A part of a composite answer that failed, reported beside the parts that worked."""

    part: str
    type: str
    message: str
    retriable: bool


class PartCallFailed(BridgeError):
    """A tool called through `ctx.invoke` failed; carries that call's error type."""

    def __init__(self, tool: str, type_name: str, message: str, retriable: bool,
                 status: int) -> None:
        super().__init__(f"{tool}: {message}")
        self.tool = tool
        self.failed_type = type_name
        self.retriable = retriable
        self.status = status  # what the part's own caller would have got


Invoke = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass
class ToolContext:
    """What the runtime hands a tool for one call."""

    bridges: dict[str, Bridge[Any, Any]]
    trace_id: str
    agent: str
    on_behalf_of: str | None = None
    warnings: list[str] = field(default_factory=list)
    errors: list[PartError] = field(default_factory=list)
    # Composite tools call other tools through the gateway's full pipeline (policy, limits,
    # cache, audit): name + arguments -> the ToolResult as JSON, or PartCallFailed.
    invoke: Invoke | None = None

    def bridge(self, system: str) -> Bridge[Any, Any]:
        try:
            return self.bridges[system]
        except KeyError:
            raise ConfigError(f"no bridge configured for system {system!r}") from None

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        if self.invoke is None:
            raise ConfigError("this context cannot call other tools")
        return await self.invoke(name, arguments)

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)


class Tool(ABC, Generic[P]):
    """Subclass, set the class attributes, implement `run` (or use a protocol base)."""

    name: ClassVar[str]
    description: ClassVar[str]
    Params: ClassVar[type[BaseModel]]
    returns: ClassVar[str]  # canonical schema key, e.g. "transaction@1"
    many: ClassVar[bool] = False  # data is a list of `returns`
    system: ClassVar[str]  # the legacy system (bridge) this tool talks to
    cache_ttl_s: ClassVar[float] = 0.0  # 0: never cached (real-time, compliance)
    timeout_s: ClassVar[float] = 10.0
    idempotent: ClassVar[bool] = True  # only idempotent tools are retried
    # Writes: the Params field carrying the caller's idempotency key. The gateway then returns
    # the first result for a repeated key instead of writing twice.
    idempotency_key: ClassVar[str | None] = None
    # Minutes, not seconds: the gateway answers 202 + a job id and runs it in the background.
    long_running: ClassVar[bool] = False
    # Other tools returning the same schema from another source, tried in order when this
    # one's backend is down and no cached answer is left (primary -> cache -> secondary).
    fallbacks: ClassVar[tuple[str, ...]] = ()
    # A composite calls other tools (ctx.call_tool) and owns no bridge: system "gateway".
    # It is offered only when the tools it cannot do without are.
    composite: ClassVar[bool] = False
    requires: ClassVar[tuple[str, ...]] = ()
    # Example calls for the generated contract suite (tests/contract): every adapter tool has one.
    contract: ClassVar[Contract | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "returns" in cls.__dict__:
            registry.model(cls.returns)  # fail at import on an unknown schema key

    @classmethod
    def return_model(cls) -> type[CanonicalModel]:
        return registry.model(cls.returns)

    @classmethod
    def parameters_schema(cls) -> dict[str, Any]:
        """JSON Schema of the arguments, as OpenAI function calling expects it."""
        schema = cls.Params.model_json_schema()
        schema.pop("title", None)
        schema["additionalProperties"] = False  # the gateway refuses unknown arguments
        return schema

    @abstractmethod
    async def run(self, params: P, ctx: ToolContext) -> ToolOutput:
        """Do the call; return canonical model(s) or raise a BridgeError."""
