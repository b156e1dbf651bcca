"""Who is calling: API keys (stored hashed) resolved to an agent and its roles."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gateway.errors import InvalidArguments, Unauthenticated
from gateway.settings import AgentConfig, key_hash

_ON_BEHALF_OF = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")


@dataclass(frozen=True)
class Caller:
    agent: str
    roles: frozenset[str]
    attributes: dict[str, str] = field(default_factory=dict)
    on_behalf_of: str | None = None


class ApiKeyAuthenticator:
    def __init__(self, agents: dict[str, AgentConfig]) -> None:
        self._by_hash = {a.key_sha256: (name, a) for name, a in agents.items()}

    def authenticate(self, authorization: str | None, on_behalf_of: str | None) -> Caller:
        if not authorization:
            raise Unauthenticated("missing Authorization: Bearer <API key>")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Authorization must be 'Bearer <API key>'")
        found = self._by_hash.get(key_hash(token.strip()))
        if found is None:
            raise Unauthenticated("unknown API key")
        if on_behalf_of is not None and not _ON_BEHALF_OF.match(on_behalf_of):
            raise InvalidArguments("X-On-Behalf-Of must be a user id of [A-Za-z0-9._@-]{1,64}")
        name, agent = found
        return Caller(agent=name, roles=frozenset(agent.roles),
                      attributes=dict(agent.attributes), on_behalf_of=on_behalf_of)
