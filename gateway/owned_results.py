"""Ownership of what a call returns: another customer's objects never reach an owner-only caller.

Arguments are owner-checked before the call (`gateway/ownership.py`), but some ids have no
owner the policy can look up (a loan in the web portal, a ticket), and a search names no object
at all. The canonical answer does: an object carrying a `customer_id` is that customer's. A
single foreign object is refused whole (403, audited as a denial); a list loses its foreign
items, and the result says how many were withheld.
"""

from __future__ import annotations

from typing import Any

from gateway.errors import Forbidden

OWNER_FIELD = "customer_id"


def _owner(item: Any) -> Any:
    return item.get(OWNER_FIELD) if isinstance(item, dict) else None


def withhold_foreign(tool: str, data: Any, owner: str) -> tuple[Any, int]:
    """`data` without the objects of other customers, and how many were left out."""
    if isinstance(data, list):
        kept = [item for item in data if _owner(item) in (None, owner)]
        return kept, len(data) - len(kept)
    found = _owner(data)
    if found not in (None, owner):
        raise Forbidden(f"{tool}: the answer is another customer's, not accessible on behalf "
                        f"of {owner}",
                        reason=f"result {OWNER_FIELD}={found} is not owned by {owner}")
    return data, 0
