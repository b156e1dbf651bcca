"""ScreenTool: a tool that is one declared screen flow plus two small hooks."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import ClassVar, Generic

from adapters.kit.tool import P, Tool, ToolContext, ToolOutput
from bridges.errors import ConfigError, MappingError
from bridges.tn3270 import Flow, FlowCall, FlowResult, Tn3270Bridge


async def run_flow(ctx: ToolContext, system: str, flow: Flow,
                   values: Mapping[str, str]) -> FlowResult:
    """Run one declared flow on the system's TN3270 bridge."""
    bridge = ctx.bridge(system)
    if not isinstance(bridge, Tn3270Bridge):
        raise ConfigError(f"system {system!r} is not a TN3270 bridge")
    return await bridge.exchange(FlowCall(flow, values))


def screen_amount(text: str, field: str) -> Decimal:
    """A host amount: '1,234.56' or '1,234.56-' (trailing minus), exactly, never via float."""
    cleaned = text.replace(",", "").strip()
    negative = cleaned.endswith("-")
    try:
        amount = Decimal(cleaned.rstrip("-").strip())
    except InvalidOperation:
        raise MappingError(f"{field}: {text!r} is not an amount") from None
    if not amount.is_finite():
        raise MappingError(f"{field}: {text!r} is not an amount")
    return -amount if negative else amount


class ScreenTool(Tool[P], Generic[P]):
    """Declare `flow`; implement `values` (params -> typed values) and `to_canonical`."""

    flow: ClassVar[Flow]

    @abstractmethod
    def values(self, params: P) -> dict[str, str]:
        """The values the flow types, by the names its Fill steps use."""

    @abstractmethod
    def to_canonical(self, result: FlowResult, params: P, ctx: ToolContext) -> ToolOutput:
        """What the flow extracted, as canonical model(s)."""

    async def run(self, params: P, ctx: ToolContext) -> ToolOutput:
        result = await run_flow(ctx, self.system, self.flow, self.values(params))
        return self.to_canonical(result, params, ctx)
