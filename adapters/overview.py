"""get_customer_overview: one customer across CRM, core banking, transactions, loans, sanctions.

A composite: every part is a call of another tool through the gateway's pipeline, so policy,
limits, cache and audit apply part by part. Independent parts run in parallel; what fails is
reported per part beside what succeeded (partial success), never hidden.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from pydantic import BaseModel, Field

from adapters.kit import Contract, Tool, ToolContext
from adapters.kit.tool import PartCallFailed, PartError
from bridges.errors import NotFound
from canonical import CanonicalModel
from canonical.entities.overview import CustomerOverviewV1

RECENT_PER_ACCOUNT = 5


class OverviewParams(BaseModel):
    name: str = Field(min_length=2, max_length=60, description="Customer name, e.g. John Doe")


class GetCustomerOverview(Tool[OverviewParams]):
    name = "get_customer_overview"
    description = ("Everything about one customer found by name: CRM record, accounts, "
                   "balances, recent transactions, loans and sanctions status. Partial results "
                   "come with a per-part error list.")
    Params = OverviewParams
    returns = "customer_overview@1"
    system = "gateway"
    contract = Contract(
        happy={"name": "John Doe"}, not_found={"name": "Nobody Known"},
        volatile=("data.balances.*.as_of", "data.sanctions.screening_id",
                  "data.sanctions.screened_at"))
    composite = True
    requires = ("find_customer", "get_customer_info")
    timeout_s = 30.0

    async def run(self, params: OverviewParams, ctx: ToolContext) -> CanonicalModel:
        customer_id = await self.find(params.name, ctx)
        customer, accounts, loans = await asyncio.gather(
            ctx.call_tool("get_customer_info", {"customer_id": customer_id}),
            self.part(ctx, "accounts", ctx.call_tool("list_accounts",
                                                     {"customer_id": customer_id})),
            self.part(ctx, "loans", ctx.call_tool("list_loans", {"customer_id": customer_id})))
        person = customer["data"]
        account_ids = [a["account_id"] for a in accounts]
        per_account = [
            self.part(ctx, f"balance {a}", ctx.call_tool("get_account_balance",
                                                          {"account_id": a}))
            for a in account_ids] + [
            self.part(ctx, f"transactions {a}", ctx.call_tool(
                "get_recent_transactions", {"account_id": a, "limit": RECENT_PER_ACCOUNT}))
            for a in account_ids]
        sanctions = self.part(ctx, "sanctions", ctx.call_tool("screen_sanctions", {
            "name": f"{person['first_name']} {person['last_name']}".strip(),
            "country": person["country"], "birth_date": person.get("date_of_birth")}))
        *parts, screening = await asyncio.gather(*per_account, sanctions)
        balances = [p for p in parts[: len(account_ids)] if p]
        transactions = [t for p in parts[len(account_ids):] for t in p]
        return CustomerOverviewV1.model_validate({
            "customer": person, "accounts": accounts, "balances": balances,
            "recent_transactions": transactions, "loans": loans,
            "sanctions": screening or None})

    async def find(self, name: str, ctx: ToolContext) -> str:
        """The one customer called `name`: an exact match, or the only candidate."""
        hits = (await ctx.call_tool("find_customer", {"name": name}))["data"]
        exact = [h for h in hits if h["display_name"].casefold() == name.casefold()]
        chosen = exact if exact else hits
        if len(chosen) != 1:
            raise NotFound(f"{len(chosen)} customers match {name!r}; give the full name",
                           system=self.system)
        customer_id: str = chosen[0]["customer_id"]
        return customer_id

    @staticmethod
    async def part(ctx: ToolContext, label: str, call: Awaitable[dict[str, Any]]) -> Any:
        """A part's data, or an empty value and an entry in the error list."""
        try:
            result = await call
        except PartCallFailed as exc:
            ctx.errors.append(PartError(part=label, type=exc.failed_type, message=exc.message,
                                        retriable=exc.retriable))
            return []
        ctx.warnings.extend(f"{label}: {w}" for w in result.get("warnings", []))
        return result["data"]


TOOLS = [GetCustomerOverview]
