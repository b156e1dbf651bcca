"""Which tools a caller may use: roles grant tool names or patterns; deny by default."""

from __future__ import annotations

from fnmatch import fnmatchcase

from gateway.auth import Caller


class RolePolicy:
    def __init__(self, roles: dict[str, list[str]]) -> None:
        self.roles = {role: tuple(patterns) for role, patterns in roles.items()}

    def allows(self, caller: Caller, tool: str) -> bool:
        return any(fnmatchcase(tool, pattern)
                   for role in caller.roles for pattern in self.roles.get(role, ()))
