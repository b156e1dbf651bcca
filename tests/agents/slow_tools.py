"""Test-only long-running tools: count slowly, reporting progress, so jobs can be watched."""

from __future__ import annotations

import asyncio

from pydantic import BaseModel, Field

from adapters.kit import Tool, ToolContext
from adapters.kit.progress import report_progress
from canonical import CanonicalModel
from canonical.entities.product import ProductV1


class SlowParams(BaseModel):
    steps: int = Field(ge=1, le=100_000)
    step_s: float = Field(default=0.02, ge=0, le=1)


class SlowReport(Tool[SlowParams]):
    """Safe to repeat: a restarted gateway resumes it."""

    name = "slow_report"
    description = "Counts to `steps` slowly (test tool)."
    Params = SlowParams
    returns = "product@1"
    system = "bankdb"
    long_running = True
    timeout_s = 600.0

    async def run(self, params: SlowParams, ctx: ToolContext) -> CanonicalModel:
        for step in range(params.steps):
            await asyncio.sleep(params.step_s)
            await report_progress((step + 1) / params.steps, f"step {step + 1}")
        return ProductV1(product_code=f"SLOW-{params.steps}", name="counted", category="account",
                         currency="EUR", description=f"{params.steps} steps", active=True)


class SlowWrite(SlowReport):
    """Not safe to repeat: a restarted gateway marks it failed."""

    name = "slow_write"
    idempotent = False


SLOW_TOOLS: list[type[Tool]] = [SlowReport, SlowWrite]  # type: ignore[type-arg]
