"""The runtime behind the HTTP edge: tools, bridges, and the call pipeline."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from adapters.kit import Tool, ToolContext, ToolOutput
from bridges.base import Bridge
from bridges.errors import BridgeTimeout, MappingError
from bridges.secrets import ChainSecretStore, EnvSecretStore, FileSecretStore, SecretStore
from canonical import CanonicalModel
from gateway.auth import ApiKeyAuthenticator, Caller
from gateway.envelope import PartFailure, Source, ToolResult
from gateway.errors import Forbidden, InvalidArguments, UnknownTool, error_response
from gateway.idempotency import IdempotencyStore, fingerprint
from gateway.observe import CallObserver, CallRecord
from gateway.policy import Decision, RolePolicy
from gateway.registry import ToolRegistry, load_tools
from gateway.settings import Settings
from gateway.systems import build_bridges

log = logging.getLogger("mainbridge.runtime")


def default_secrets(settings: Settings) -> SecretStore:
    stores: list[SecretStore] = [EnvSecretStore()]
    if settings.secrets_dir:
        stores.append(FileSecretStore(settings.secrets_dir))
    return ChainSecretStore(*stores)


def field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [{"field": ".".join(str(p) for p in e["loc"]) or "<body>", "message": e["msg"],
             "type": e["type"]} for e in exc.errors(include_url=False, include_input=False)]


class Runtime:
    def __init__(self, settings: Settings, secrets: SecretStore | None = None,
                 tools: list[type[Tool[Any]]] | None = None) -> None:
        """`tools` overrides discovery (tests, embedding); by default the adapters' TOOLS."""
        self.settings = settings
        self.secrets = secrets or default_secrets(settings)
        self.bridges: dict[str, Bridge[Any, Any]] = build_bridges(settings.systems, self.secrets)
        tools = tools if tools is not None else load_tools(settings.adapters)
        missing = sorted({t.system for t in tools if t.system not in self.bridges})
        if missing:
            log.info("systems not configured, their tools are off: %s", ", ".join(missing))
        self.registry = ToolRegistry([t for t in tools if t.system in self.bridges])
        self.auth = ApiKeyAuthenticator(settings.agents)
        self.policy = RolePolicy(settings.roles)
        self.observers: list[CallObserver] = []
        self.idempotency = IdempotencyStore(
            settings.state_dir / "idempotency.sqlite3" if settings.state_dir else None)

    async def start(self) -> None:
        for bridge in self.bridges.values():
            await bridge.open()

    async def stop(self) -> None:
        for bridge in self.bridges.values():
            await bridge.close()
        self.idempotency.close()

    def add_observer(self, observer: CallObserver) -> None:
        """Audit, metrics, tracing: each sees a CallRecord of every call."""
        self.observers.append(observer)

    def visible_tools(self, caller: Caller) -> list[Tool[Any]]:
        return [t for t in self.registry.all() if self.policy.allows(caller, t.name)]

    def resolve(self, caller: Caller, name: str) -> tuple[Tool[Any], Decision]:
        tool = self.registry.get(name)
        if tool is None:
            raise UnknownTool(f"no tool called {name!r}")
        decision = self.policy.decide(caller, name)
        if not decision.allowed:
            raise Forbidden(f"agent {caller.agent!r} may not call {name!r}",
                            reason=decision.reason)
        return tool, decision

    @staticmethod
    def parse_arguments(tool: Tool[Any], arguments: Any) -> BaseModel:
        if not isinstance(arguments, dict):
            raise InvalidArguments("arguments must be a JSON object",
                                   fields=[{"field": "<body>", "message": "not an object",
                                            "type": "model_type"}])
        unknown = sorted(set(arguments) - set(tool.Params.model_fields))
        if unknown:
            raise InvalidArguments(f"unknown arguments for {tool.name}: {', '.join(unknown)}",
                                   fields=[{"field": k, "message": "unknown argument",
                                            "type": "extra_forbidden"} for k in unknown])
        try:
            return tool.Params.model_validate(arguments)
        except ValidationError as exc:
            raise InvalidArguments(f"invalid arguments for {tool.name}",
                                   fields=field_errors(exc)) from None

    async def call(self, caller: Caller, name: str, arguments: Any, trace_id: str) -> ToolResult:
        """The one pipeline every door (HTTP, MCP, jobs) goes through; observed end to end."""
        started_at, started = datetime.now(UTC), time.perf_counter()
        tool = self.registry.get(name)
        decision: Decision | None = None
        result: ToolResult | None = None
        failure: Exception | None = None
        try:
            tool, decision = self.resolve(caller, name)
            result = await self.execute(tool, caller, arguments, trace_id)
            return result
        except Exception as exc:
            failure = exc
            raise
        finally:
            status, body, _ = error_response(failure) if failure else (200, {}, {})
            record = CallRecord(
                trace_id=trace_id, agent=caller.agent, on_behalf_of=caller.on_behalf_of,
                tool=name, system=tool.system if tool else None, arguments=arguments,
                decision="allow" if decision else "deny",
                reason=decision.reason if decision else str(getattr(failure, "extra", {}).get(
                    "reason", getattr(failure, "message", ""))),
                outcome="ok" if failure is None else "error", status=status,
                error_type=body["error"]["type"] if failure else None,
                latency_ms=(time.perf_counter() - started) * 1000,
                cached=bool(result and result.source.cached), started_at=started_at)
            for observer in self.observers:
                await observer.observe(record)

    async def execute(self, tool: Tool[Any], caller: Caller, arguments: Any,
                      trace_id: str) -> ToolResult:
        name = tool.name
        params = self.parse_arguments(tool, arguments)
        if tool.idempotency_key is None:
            return await self.run(tool, params, caller, trace_id)
        key = str(getattr(params, tool.idempotency_key))
        fp = fingerprint(params.model_dump(mode="json", exclude={tool.idempotency_key}))
        async with self.idempotency.key_lock(caller.agent, name, key):
            first = await self.idempotency.lookup(caller.agent, name, key, fp)
            if first is not None:
                replay = ToolResult.model_validate(first)
                return replay.model_copy(update={"trace_id": trace_id, "warnings": [
                    *replay.warnings, f"idempotency key {key!r} seen before: this is the "
                    "first call's result; nothing was written again"]})
            result = await self.run(tool, params, caller, trace_id)
            await self.idempotency.save(caller.agent, name, key, fp,
                                        result.model_dump(mode="json", by_alias=True))
            return result

    async def run(self, tool: Tool[Any], params: BaseModel, caller: Caller, trace_id: str) -> (
        ToolResult
    ):
        ctx = ToolContext(bridges=self.bridges, trace_id=trace_id, agent=caller.agent,
                          on_behalf_of=caller.on_behalf_of)
        started = time.monotonic()
        try:
            output = await asyncio.wait_for(tool.run(params, ctx), timeout=tool.timeout_s)
        except TimeoutError:
            raise BridgeTimeout(f"{tool.name} took longer than {tool.timeout_s:g}s",
                                system=tool.system) from None
        data = self.serialize(tool, output)
        log.debug("tool %s answered in %.1f ms", tool.name, (time.monotonic() - started) * 1000)
        return ToolResult(
            tool=tool.name, schema_=tool.returns, data=data, trace_id=trace_id,
            source=Source(system=tool.system, bridge=self.bridges[tool.system].protocol,
                          fetched_at=ctx.now(), cached=False, age_s=0.0),
            warnings=ctx.warnings,
            errors=[PartFailure(part=e.part, type=e.type, message=e.message,
                                retriable=e.retriable) for e in ctx.errors])

    @staticmethod
    def serialize(tool: Tool[Any], output: ToolOutput) -> Any:
        """Check the output is what the tool declares, then turn it into JSON data."""
        expected = tool.return_model()
        items = output if isinstance(output, list) else [output]
        if tool.many != isinstance(output, list) or not all(
                isinstance(i, CanonicalModel) and type(i) is expected for i in items):
            raise MappingError(f"{tool.name} returned something other than {tool.returns}"
                               f"{' list' if tool.many else ''}")
        dumped = [i.model_dump(mode="json") for i in items]
        return dumped if tool.many else dumped[0]
