"""Contract: the example calls every tool declares for its generated contract test suite."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Contract:
    """Arguments that exercise a tool against the reference bank its emulator plays.

    `happy` must succeed; `not_found` must name a business object the system does not have
    (404). A tool with nothing to look up (a search, a list) sets `not_found` to None and
    says why in `no_not_found`, so a missing case is a decision, never an oversight.
    """

    happy: Mapping[str, Any]
    not_found: Mapping[str, Any] | None = None
    no_not_found: str = ""
    # Result fields that differ between two correct calls (times the tool stamps itself,
    # ids a write assigns), as dotted paths into the ToolResult, `*` for any list item or key
    # (as golden suites declare them): "data.as_of", "data.*.modified_at".
    volatile: tuple[str, ...] = field(default=())
    # Systems the call reaches besides the tool's own (a proposal reads the CRM and prices).
    systems: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.not_found is None and not self.no_not_found:
            raise ValueError("a contract without a not-found case must say why (no_not_found)")
