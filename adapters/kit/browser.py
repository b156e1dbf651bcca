"""BrowserTool: a tool that is one declared page flow plus small hooks; legacy text parsers."""

from __future__ import annotations

from abc import abstractmethod
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import ClassVar, Generic

from adapters.kit.tool import P, Tool, ToolContext, ToolOutput
from bridges.browser import BrowserBridge
from bridges.errors import ConfigError, MappingError, RemoteFault
from bridges.pageflow import Flow, PageRequest, PageResult

LATIN1_TEXT = r"^[\x20-\x7E\xA0-\xFF]+$"
"""Printable Latin-1, no control characters: what an ISO-8859-1 form field can carry."""


class BrowserTool(Tool[P], Generic[P]):
    """Declare `flow`; implement `args` (params -> form values) and `to_canonical`."""

    flow: ClassVar[Flow]
    error_field: ClassVar[str] = "error"  # a field the flow extracts when the portal says no

    @abstractmethod
    def args(self, params: P) -> dict[str, str]:
        """The flow's `Arg` values, as text typed into the portal."""

    @abstractmethod
    def to_canonical(self, result: PageResult, params: P, ctx: ToolContext) -> ToolOutput:
        """The scraped fields and tables as canonical model(s)."""

    def on_error(self, message: str, params: P) -> None:
        """Hook: the portal showed an error message; raise the matching BridgeError."""
        raise RemoteFault(f"portal: {message}", system=self.system)

    async def run(self, params: P, ctx: ToolContext) -> ToolOutput:
        bridge = ctx.bridge(self.system)
        if not isinstance(bridge, BrowserBridge):
            raise ConfigError(f"system {self.system!r} is not a browser bridge")
        result = await bridge.exchange(PageRequest(self.flow, self.args(params)))
        message = result.fields.get(self.error_field)
        if message:
            self.on_error(message, params)
        return self.to_canonical(result, params, ctx)


def legacy_decimal(text: str | None, what: str) -> Decimal:
    """'31,378.90' -> Decimal('31378.90'); anything else is a MappingError, never a guess."""
    try:
        value = Decimal((text or "").replace(",", "").strip())
    except InvalidOperation:
        raise MappingError(f"{what}: {text!r} is not a number") from None
    if not value.is_finite():
        raise MappingError(f"{what}: {text!r} is not a number")
    return value


def legacy_int(text: str | None, what: str) -> int:
    if text is None or not text.strip().isdigit():
        raise MappingError(f"{what}: {text!r} is not a whole number")
    return int(text)


def dmy_date(text: str | None, what: str) -> date:
    """'07/01/2024' (day first, as the portal prints it) -> date(2024, 1, 7)."""
    try:
        return datetime.strptime((text or "").strip(), "%d/%m/%Y").date()
    except ValueError:
        raise MappingError(f"{what}: {text!r} is not a DD/MM/YYYY date") from None


def dmy_datetime(text: str | None, what: str, zone: tzinfo) -> datetime:
    """'04/12/2026 16:05:33' in the portal's own (declared) time zone -> aware datetime."""
    try:
        naive = datetime.strptime((text or "").strip(), "%d/%m/%Y %H:%M:%S")
    except ValueError:
        raise MappingError(f"{what}: {text!r} is not a DD/MM/YYYY HH:MM:SS time") from None
    return naive.replace(tzinfo=zone)


def text_of(result: PageResult, name: str) -> str:
    """A field the flow must have extracted."""
    value = result.fields.get(name)
    if value is None:
        raise MappingError(f"field {name!r} missing from the page")
    return value
