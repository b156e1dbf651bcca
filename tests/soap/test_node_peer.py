"""zeep and the CRM adapter against node-soap, an independent server hosting the same WSDL."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters import crm
from adapters.kit import ToolContext
from bridges.base import Bridge
from bridges.errors import NotFound
from bridges.secrets import MemorySecretStore
from bridges.soap import SoapBridge
from emulators.soap import SoapEmulator

HERE = Path(__file__).parent
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def node_peer() -> Iterator[str]:
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "soap").is_dir():
        pytest.fail("node-soap is not installed: run `make test` (or npm ci in tests/soap)")
    proc = subprocess.Popen([node, str(HERE / "crm_v2_peer.js")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("LISTENING "):
            raise RuntimeError(f"node-soap peer did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}/crm/v2"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _ctx(address: str) -> ToolContext:
    bridge = SoapBridge.from_config("crm", crm.system_config(address, "v2"), MemorySecretStore())
    bridges: dict[str, Bridge[Any, Any]] = {"crm": bridge}
    return ToolContext(bridges=bridges, trace_id="t", agent="test")


async def test_node_soap_and_the_emulator_give_the_same_customers(
        node_peer: str, soap_emulator: SoapEmulator) -> None:
    node, emulator = _ctx(node_peer), _ctx(soap_emulator.url("/crm/v2"))
    tool = crm.GetCustomerInfo()
    try:
        for customer_id in ("C000001", "C000002", "C000150"):
            params = crm.CustomerInfoParams(customer_id=customer_id)
            assert await tool.run(params, node) == await tool.run(params, emulator)
        search = crm.FindCustomerParams(name="doe")
        assert await crm.FindCustomer().run(search, node) == \
            await crm.FindCustomer().run(search, emulator)
    finally:
        await node.bridge("crm").close()
        await emulator.bridge("crm").close()


async def test_node_soap_faults_map_like_the_emulators(node_peer: str) -> None:
    ctx = _ctx(node_peer)
    try:
        with pytest.raises(NotFound):
            await crm.GetCustomerInfo().run(crm.CustomerInfoParams(customer_id="C999999"), ctx)
    finally:
        await ctx.bridge("crm").close()
