"""The runtime behind the HTTP edge: tools, bridges, and the call pipeline."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from adapters.kit import Tool, ToolContext, ToolOutput
from adapters.kit.tool import PartCallFailed
from bridges.base import Bridge
from bridges.errors import BridgeError, BridgeTimeout, MappingError
from bridges.secrets import ChainSecretStore, EnvSecretStore, FileSecretStore, SecretStore
from canonical import CanonicalModel
from gateway.abac import (
    check_arguments,
    check_caller,
    mask_fields,
    owner_checked_arguments,
    owner_only,
)
from gateway.auth import Authenticator, Caller
from gateway.cache import Entry, cache_key
from gateway.controls import Controls
from gateway.envelope import PartFailure, Source, ToolResult
from gateway.errors import (
    Forbidden,
    GatewayError,
    InvalidArguments,
    Overloaded,
    RateLimited,
    UnknownTool,
    error_response,
)
from gateway.idempotency import IdempotencyStore, fingerprint
from gateway.observe import CallObserver, CallRecord, ControlMetrics, NullMetrics
from gateway.owned_results import withhold_foreign
from gateway.ownership import OwnershipResolver
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
        missing = sorted({t.system for t in tools
                          if t.system not in self.bridges and not t.composite})
        if missing:
            log.info("systems not configured, their tools are off: %s", ", ".join(missing))
        direct = [t for t in tools if t.system in self.bridges]
        names = {t.name for t in direct}
        self.registry = ToolRegistry(direct + [t for t in tools if t.composite
                                               and set(t.requires) <= names])
        self.auth = Authenticator(settings.agents, settings.jwt, self.secrets)
        self.policy = RolePolicy(settings.roles)
        self.controls = Controls(settings.controls)
        self.owners = OwnershipResolver(settings.policy.ownership, self.bridges)
        self.metrics: ControlMetrics = NullMetrics()
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
        await self.controls.close()

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
        refused = check_caller(self.settings.policy, caller, name, datetime.now(UTC))
        if refused:
            raise Forbidden(f"agent {caller.agent!r} may not call {name!r} now: {refused}",
                            reason=refused)
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
            if caller.on_behalf_of and owner_only(self.settings.policy, caller, name):
                result = self.owned(result, caller.on_behalf_of)
            rules = [self.settings.policy.fields[r] for r in sorted(caller.roles)
                     if r in self.settings.policy.fields]
            if rules:
                result = result.model_copy(update={"data": mask_fields(result.data, rules)})
            return result
        except Exception as exc:
            failure = exc
            raise
        finally:
            status, body, _ = error_response(failure) if failure else (200, {}, {})
            verdict, reason = self.verdict(decision, failure)
            record = CallRecord(
                trace_id=trace_id, agent=caller.agent, on_behalf_of=caller.on_behalf_of,
                tool=name, system=tool.system if tool else None, arguments=arguments,
                decision=verdict, reason=reason,
                outcome="ok" if failure is None else "error", status=status,
                error_type=body["error"]["type"] if failure else None,
                latency_ms=(time.perf_counter() - started) * 1000,
                cached=bool(result and result.source.cached), started_at=started_at)
            for observer in self.observers:
                await observer.observe(record)

    @staticmethod
    def owned(result: ToolResult, owner: str) -> ToolResult:
        data, withheld = withhold_foreign(result.tool, result.data, owner)
        if not withheld:
            return result
        return result.model_copy(update={"data": data, "warnings": [
            *result.warnings, f"{withheld} result(s) of other customers withheld: not "
            f"accessible on behalf of {owner}"]})

    @staticmethod
    def verdict(decision: Decision | None, failure: Exception | None) -> tuple[str, str]:
        """What the audit records: allowed or denied, and why (policy's words, or the error)."""
        if isinstance(failure, Forbidden):
            return "deny", str(failure.extra.get("reason", failure.message))
        if decision is None:  # refused before any policy decision (e.g. unknown tool)
            return "deny", getattr(failure, "message", "")
        return "allow", decision.reason

    async def authorize_objects(self, tool: Tool[Any], caller: Caller,
                                params: BaseModel) -> None:
        """ABAC on arguments, then object-level authorization (no BOLA through this door)."""
        args = params.model_dump(mode="json")
        refused = check_arguments(self.settings.policy, caller, tool.name, args)
        if refused:
            raise Forbidden(f"{tool.name} refused: {refused}", reason=refused)
        for argument, value in owner_checked_arguments(self.settings.policy, caller, tool.name,
                                                        args).items():
            owner = await self.owners.owner(argument, value)
            if owner != caller.on_behalf_of:
                raise Forbidden(f"{argument} {value} is not accessible on behalf of "
                                f"{caller.on_behalf_of}",
                                reason=f"object {argument}={value} is not owned by "
                                f"{caller.on_behalf_of} (owner: {owner or 'unknown'})")

    async def execute(self, tool: Tool[Any], caller: Caller, arguments: Any,
                      trace_id: str) -> ToolResult:
        params = self.parse_arguments(tool, arguments)
        await self.authorize_objects(tool, caller, params)
        # Limits count every call, whether the cache, the backend or a replay answers it.
        try:
            await self.controls.limiter.check(caller.agent, tool.name)
        except RateLimited:
            self.metrics.rejected("rate_limit", tool.name, tool.system)
            raise
        deadline = time.monotonic() + self.settings.controls.request_deadline_s
        if tool.idempotency_key is None:
            return await self.fetch(tool, params, caller, trace_id, deadline)
        key = str(getattr(params, tool.idempotency_key))
        fp = fingerprint(params.model_dump(mode="json", exclude={tool.idempotency_key}))
        async with self.idempotency.key_lock(caller.agent, tool.name, key):
            first = await self.idempotency.lookup(caller.agent, tool.name, key, fp)
            if first is not None:
                replay = ToolResult.model_validate(first)
                return replay.model_copy(update={"trace_id": trace_id, "warnings": [
                    *replay.warnings, f"idempotency key {key!r} seen before: this is the "
                    "first call's result; nothing was written again"]})
            result = await self.fetch(tool, params, caller, trace_id, deadline)
            await self.idempotency.save(caller.agent, tool.name, key, fp,
                                        result.model_dump(mode="json", by_alias=True))
            return result

    @staticmethod
    def scope(caller: Caller) -> tuple[str, ...]:
        """What decides what a caller may see: part of every cache key."""
        return (*sorted(caller.roles), f"obo={caller.on_behalf_of or ''}")

    async def fetch(self, tool: Tool[Any], params: BaseModel, caller: Caller, trace_id: str,
                    deadline: float, with_fallbacks: bool = True) -> ToolResult:
        """Cache, then the backend under breaker/bulkhead/retries, then stale-if-error."""
        key = (cache_key(tool.name, params.model_dump(mode="json"), self.scope(caller))
               if tool.cache_ttl_s > 0 else None)
        entry = await self.controls.cache.get(key) if key else None
        if entry is not None and entry.age_s() <= tool.cache_ttl_s:
            self.metrics.cache(tool.name, True)
            return self.from_cache(entry, trace_id)
        if key:
            self.metrics.cache(tool.name, False)
        try:
            result = await self.invoke(tool, params, caller, trace_id, deadline)
        except Overloaded:
            self.metrics.rejected("bulkhead", tool.name, tool.system)
            raise
        except BridgeError as exc:
            if not exc.retriable:
                raise
            if entry is not None:
                return self.from_cache(entry, trace_id, stale_because=exc)
            fallback = (await self.fallback(tool, params, caller, trace_id, deadline, exc)
                        if with_fallbacks else None)
            if fallback is None:
                raise
            return fallback
        if key:
            await self.controls.cache.put(
                key, result.model_dump(mode="json", by_alias=True),
                tool.cache_ttl_s + self.settings.controls.stale_if_error_s)
        return result

    async def fallback(self, tool: Tool[Any], params: BaseModel, caller: Caller, trace_id: str,
                       deadline: float, failure: BridgeError) -> ToolResult | None:
        """The adapter's declared secondary sources, in order, for what the caller may use."""
        for name in tool.fallbacks:
            secondary = self.registry.get(name)
            if secondary is None or secondary.returns != tool.returns \
                    or not self.policy.allows(caller, name):
                continue
            try:
                args = secondary.Params.model_validate(params.model_dump())
                result = await self.fetch(secondary, args, caller, trace_id, deadline,
                                          with_fallbacks=False)
            except BridgeError:
                continue
            note = (f"{tool.name} failed ({failure.type_name}: {failure.message}); "
                    f"answered by the fallback {name}")
            return result.model_copy(update={"tool": tool.name,
                                             "warnings": [*result.warnings, note]})
        return None

    @staticmethod
    def from_cache(entry: Entry, trace_id: str, stale_because: BridgeError | None = None) -> (
        ToolResult
    ):
        cached = ToolResult.model_validate(entry.value)
        age = round(entry.age_s(), 3)
        warnings = list(cached.warnings)
        if stale_because is not None:
            warnings.append(f"{cached.source.system} is unavailable ({stale_because.type_name}); "
                            f"serving a cached result {age:.0f}s old")
        return cached.model_copy(update={
            "trace_id": trace_id, "warnings": warnings,
            "source": cached.source.model_copy(update={"cached": True, "age_s": age})})

    async def invoke(self, tool: Tool[Any], params: BaseModel, caller: Caller, trace_id: str,
                     deadline: float) -> ToolResult:
        if tool.composite:  # its parts go through the full pipeline, each with its controls
            budget = min(tool.timeout_s, deadline - time.monotonic())
            try:
                return await asyncio.wait_for(self.run(tool, params, caller, trace_id), budget)
            except TimeoutError:
                raise BridgeTimeout(f"{tool.name} took longer than {budget:.1f}s",
                                    system=tool.system) from None

        async def attempt(budget_s: float) -> ToolResult:
            return await self.run(tool, params, caller, trace_id)

        async def guarded() -> ToolResult:
            return await self.controls.guarded(tool.system, attempt, tool.timeout_s, deadline,
                                               self.metrics.breaker_state)

        return await self.controls.with_retries(guarded, tool.idempotent, deadline)

    async def run(self, tool: Tool[Any], params: BaseModel, caller: Caller, trace_id: str) -> (
        ToolResult
    ):
        async def invoke(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
            try:
                part = await self.call(caller, name, arguments, trace_id)
            except (GatewayError, BridgeError) as exc:
                status, body, _ = error_response(exc)
                raise PartCallFailed(name, body["error"]["type"], body["error"]["message"],
                                     bool(body["error"]["retriable"]), status) from None
            return part.model_dump(mode="json", by_alias=True)

        ctx = ToolContext(bridges=self.bridges, trace_id=trace_id, agent=caller.agent,
                          on_behalf_of=caller.on_behalf_of, invoke=invoke)
        output = await tool.run(params, ctx)
        data = self.serialize(tool, output)
        return ToolResult(
            tool=tool.name, schema_=tool.returns, data=data, trace_id=trace_id,
            source=Source(system=tool.system,
                          bridge="composite" if tool.composite
                          else self.bridges[tool.system].protocol,
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
