"""Write tools with an idempotency key: one write per key, over a real gateway."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from pydantic import BaseModel

from adapters.kit import Tool, ToolContext
from canonical import CanonicalModel
from canonical.entities.product import ProductV1
from emulators.bankdb import BankDatabase
from tests.conftest import odbc_system
from tests.support.servers import serve_gateway


class CreateParams(BaseModel):
    name: str
    idempotency_key: str


class CreateProduct(Tool[CreateParams]):
    """A stand-in write: counts how often it really ran."""

    name = "create_test_product"
    description = "test write"
    Params = CreateParams
    returns = "product@1"
    system = "bankdb"
    idempotent = False
    idempotency_key = "idempotency_key"
    writes: ClassVar[list[str]] = []

    async def run(self, params: CreateParams, ctx: ToolContext) -> CanonicalModel:
        await asyncio.sleep(0.05)  # long enough for concurrent duplicates to overlap
        self.writes.append(params.name)
        return ProductV1(product_code=f"P{len(self.writes)}", name=params.name,
                         category="account", currency="EUR", active=True)


def test_a_repeated_key_returns_the_first_result_and_writes_once(
        sqlite_bank: BankDatabase, roles: dict[str, list[str]]) -> None:
    CreateProduct.writes.clear()
    with serve_gateway(odbc_system(sqlite_bank), roles, tools=[CreateProduct]) as gateway:
        def post(args: dict[str, Any]) -> Any:
            with gateway.client("admin") as client:
                return client.post("/tools/create_test_product", json=args)

        args = {"name": "Gold account", "idempotency_key": "k-1"}
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(post, [args] * 4))
        assert [a.status_code for a in answers] == [200] * 4
        codes = {a.json()["data"]["product_code"] for a in answers}
        assert codes == {"P1"} and CreateProduct.writes == ["Gold account"]
        assert sum("seen before" in " ".join(a.json()["warnings"]) for a in answers) == 3

        conflict = post({"name": "Other", "idempotency_key": "k-1"})
        assert conflict.status_code == 422
        assert "other arguments" in conflict.json()["error"]["message"]

        fresh = post({"name": "Other", "idempotency_key": "k-2"})
        assert fresh.json()["data"]["product_code"] == "P2"
        assert CreateProduct.writes == ["Gold account", "Other"]
