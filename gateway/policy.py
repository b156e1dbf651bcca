"""Which tools a caller may use: roles grant tool names or patterns; deny by default."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from gateway.auth import Caller


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # why, in words an auditor can read


class RolePolicy:
    def __init__(self, roles: dict[str, list[str]]) -> None:
        self.roles = {role: tuple(patterns) for role, patterns in roles.items()}

    def decide(self, caller: Caller, tool: str) -> Decision:
        for role in sorted(caller.roles):
            for pattern in self.roles.get(role, ()):
                if fnmatchcase(tool, pattern):
                    return Decision(True, f"role {role!r} grants {pattern!r}")
        return Decision(False, f"no role of {caller.agent!r} grants {tool!r} (deny by default)")

    def allows(self, caller: Caller, tool: str) -> bool:
        return self.decide(caller, tool).allowed
