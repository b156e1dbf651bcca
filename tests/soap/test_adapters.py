"""The SOAP adapters without a gateway: both CRM versions agree on every customer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters import crm
from adapters.kit import ToolContext
from bridges.base import Bridge
from bridges.errors import ConfigError, MappingError
from bridges.secrets import MemorySecretStore
from bridges.soap import SoapBridge
from canonical import CanonicalModel
from emulators.dataset import BankDataset
from emulators.soap import SoapEmulator


async def _contexts(emulator: SoapEmulator) -> dict[str, ToolContext]:
    contexts = {}
    for version in ("v1", "v2"):
        bridge = SoapBridge.from_config(
            "crm", crm.system_config(emulator.url(f"/crm/{version}"), version),
            MemorySecretStore())
        bridges: dict[str, Bridge[Any, Any]] = {"crm": bridge}
        contexts[version] = ToolContext(bridges=bridges, trace_id="t", agent="test")
    return contexts


@pytest.fixture
async def crm_contexts(soap_emulator: SoapEmulator) -> AsyncIterator[dict[str, ToolContext]]:
    contexts = await _contexts(soap_emulator)
    yield contexts
    for ctx in contexts.values():
        await ctx.bridge("crm").close()


async def test_both_versions_give_equal_customers_for_the_whole_bank(
        crm_contexts: dict[str, ToolContext]) -> None:
    tool = crm.GetCustomerInfo()
    ids = [c["customer_id"] for c in BankDataset().customers]

    async def read(version: str) -> list[CanonicalModel]:
        ctx = crm_contexts[version]
        results = await asyncio.gather(*(
            tool.run(crm.CustomerInfoParams(customer_id=i), ctx) for i in ids))
        return [r for r in results if isinstance(r, CanonicalModel)]

    v1, v2 = await read("v1"), await read("v2")
    assert len(v1) == len(ids) == 200
    assert v1 == v2
    assert {c.model_dump()["segment"] for c in v2} == {"retail", "premium", "business"}


async def test_both_versions_give_equal_search_results(
        crm_contexts: dict[str, ToolContext]) -> None:
    tool = crm.FindCustomer()
    params = crm.FindCustomerParams(name="ma", limit=100)
    v1 = await tool.run(params, crm_contexts["v1"])
    v2 = await tool.run(params, crm_contexts["v2"])
    assert v1 == v2 and len(v1) > 5


async def test_unknown_api_version_is_a_config_error(soap_emulator: SoapEmulator) -> None:
    bridge = SoapBridge.from_config("crm", {**crm.system_config(soap_emulator.url("/crm/v2")),
                                            "api_version": "v9"}, MemorySecretStore())
    ctx = ToolContext(bridges={"crm": bridge}, trace_id="t", agent="test")
    try:
        with pytest.raises(ConfigError):
            await crm.GetCustomerInfo().run(crm.CustomerInfoParams(customer_id="C000001"), ctx)
    finally:
        await bridge.close()


def test_a_reply_missing_fields_is_a_mapping_error() -> None:
    from adapters.kit.soap import mapping_errors

    with pytest.raises(MappingError), mapping_errors("crm", "reply"):
        crm.CrmV1().v1_record({"CustNo": "C000001"})
