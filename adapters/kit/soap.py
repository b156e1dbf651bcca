"""SoapTool: a tool that is one declared SOAP operation plus two small hooks.

`SoapTool` takes explicit `Params` and a `build` hook (tool arguments -> XSD arguments).
`WsdlTool` derives `Params` from the operation's XSD, so exposing an operation needs only
`to_canonical`.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any, ClassVar, Generic

from pydantic import AfterValidator, BaseModel, ValidationError

from adapters.kit.tool import P, Tool, ToolContext, ToolOutput
from bridges.errors import ConfigError, MappingError, NotFound, RemoteFault
from bridges.soap import SoapBridge, SoapCall
from bridges.soap_schema import operation_params

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(value: str) -> str:
    if _NOT_XML.search(value):
        raise ValueError("control characters cannot travel in XML")
    return value


XmlText = Annotated[str, AfterValidator(_xml_safe)]
"""Agent text bound for a SOAP element: refused up front if XML 1.0 cannot carry it."""


def soap_bridge(ctx: ToolContext, system: str) -> SoapBridge:
    bridge = ctx.bridge(system)
    if not isinstance(bridge, SoapBridge):
        raise ConfigError(f"system {system!r} is not a SOAP bridge")
    return bridge


async def call_operation(ctx: ToolContext, system: str, operation: str,
                         args: Mapping[str, Any], not_found_codes: frozenset[str] = frozenset(),
                         timeout_s: float | None = None) -> Any:
    """One operation on the system's SOAP bridge; the vendor's not-found faults become NotFound."""
    try:
        return await soap_bridge(ctx, system).exchange(SoapCall(operation, args, timeout_s))
    except RemoteFault as fault:
        if fault.code in not_found_codes:
            raise NotFound(fault.message, system=system) from None
        raise


@contextmanager
def mapping_errors(system: str, what: str) -> Iterator[None]:
    """A reply missing a field or holding a bad value is a MappingError, never a guess."""
    try:
        yield
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise MappingError(f"{what} does not fit the canonical model: {exc}",
                           system=system) from None


class SoapTool(Tool[P], Generic[P]):
    """Declare `operation` (and `not_found_codes`); implement `build` and `to_canonical`."""

    operation: ClassVar[str]
    not_found_codes: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    def build(self, params: P) -> dict[str, Any]:
        """The operation's arguments, named as the XSD names them."""

    @abstractmethod
    def to_canonical(self, reply: Any, params: P) -> ToolOutput:
        """The operation's reply (plain dicts and lists) as canonical model(s)."""

    async def run(self, params: P, ctx: ToolContext) -> ToolOutput:
        reply = await call_operation(ctx, self.system, self.operation, self.build(params),
                                     self.not_found_codes)
        with mapping_errors(self.system, f"{self.operation} reply"):
            return self.to_canonical(reply, params)


class WsdlTool(SoapTool[BaseModel]):
    """A SoapTool whose `Params` is derived from `wsdl` + `operation` at class creation."""

    wsdl: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        if "operation" in cls.__dict__ and "Params" not in cls.__dict__:
            cls.Params = operation_params(cls.wsdl, cls.operation)
        super().__init_subclass__(**kwargs)

    def build(self, params: BaseModel) -> dict[str, Any]:
        return params.model_dump(by_alias=True, exclude_none=True)
