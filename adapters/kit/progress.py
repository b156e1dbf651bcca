"""Progress of a long-running tool: `report_progress(0.5, "rendered")` from inside `run`.

The job runner installs a sink for the duration of one job; outside a job (a plain call)
reports go nowhere, so a tool never needs to know how it was invoked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar

ProgressSink = Callable[[float, str], Awaitable[None]]
progress_sink: ContextVar[ProgressSink | None] = ContextVar("progress_sink", default=None)


async def report_progress(fraction: float, message: str = "") -> None:
    sink = progress_sink.get()
    if sink is not None:
        await sink(min(max(fraction, 0.0), 1.0), message)
