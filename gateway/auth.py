"""Who is calling: API keys (stored hashed) or JWT bearer tokens, resolved to a Caller."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import jwt
from fastapi import Request
from pydantic import BaseModel, Field

from bridges.secrets import SecretStore
from gateway.errors import InvalidArguments, Unauthenticated
from gateway.settings_agents import AgentConfig, key_hash

_ON_BEHALF_OF = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")


class JwtSettings(BaseModel):
    """Tokens from an identity provider: HS256 with a shared secret and/or RS256 with a key."""

    issuer: str
    audience: str
    hs256_secret: str | None = Field(default=None, description="Secret store key of the secret")
    rs256_public_key_file: Path | None = None
    leeway_s: float = Field(default=30.0, ge=0)
    roles_claim: str = "roles"
    attribute_claims: list[str] = Field(default_factory=lambda: ["region", "team"])


@dataclass(frozen=True)
class Caller:
    agent: str
    roles: frozenset[str]
    attributes: dict[str, str] = field(default_factory=dict)
    on_behalf_of: str | None = None


def _looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and token.startswith("eyJ")


class Authenticator:
    def __init__(self, agents: dict[str, AgentConfig], jwt_settings: JwtSettings | None = None,
                 secrets: SecretStore | None = None) -> None:
        self._by_hash = {a.key_sha256: (name, a) for name, a in agents.items()}
        self.jwt = jwt_settings
        self._keys: dict[str, object] = {}
        if jwt_settings is not None:
            if jwt_settings.hs256_secret:
                if secrets is None:
                    raise ValueError("HS256 needs a secret store")
                self._keys["HS256"] = secrets.get(jwt_settings.hs256_secret).get_secret_value()
            if jwt_settings.rs256_public_key_file:
                self._keys["RS256"] = jwt_settings.rs256_public_key_file.read_text()

    def authenticate(self, authorization: str | None, on_behalf_of: str | None) -> Caller:
        if not authorization:
            raise Unauthenticated("missing Authorization: Bearer <API key or JWT>")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("Authorization must be 'Bearer <API key or JWT>'")
        if on_behalf_of is not None and not _ON_BEHALF_OF.match(on_behalf_of):
            raise InvalidArguments("X-On-Behalf-Of must be a user id of [A-Za-z0-9._@-]{1,64}")
        if _looks_like_jwt(token) and self.jwt is not None:
            return self._from_jwt(token, on_behalf_of)
        found = self._by_hash.get(key_hash(token))
        if found is None:
            raise Unauthenticated("unknown API key")
        name, agent = found
        return Caller(agent=name, roles=frozenset(agent.roles),
                      attributes=dict(agent.attributes), on_behalf_of=on_behalf_of)

    def _from_jwt(self, token: str, on_behalf_of: str | None) -> Caller:
        assert self.jwt is not None
        try:
            alg = jwt.get_unverified_header(token).get("alg")
        except jwt.PyJWTError:
            raise Unauthenticated("malformed token") from None
        key = self._keys.get(str(alg))
        if key is None:  # 'none', unknown, or an algorithm this gateway has no key for
            raise Unauthenticated(f"token algorithm {alg!r} is not accepted")
        try:
            claims = jwt.decode(token, key, algorithms=[str(alg)],  # type: ignore[arg-type]
                                audience=self.jwt.audience, issuer=self.jwt.issuer,
                                leeway=self.jwt.leeway_s,
                                options={"require": ["exp", "iss", "aud", "sub"]})
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token expired") from None
        except jwt.ImmatureSignatureError:
            raise Unauthenticated("token not valid yet (nbf)") from None
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}") from None
        roles = claims.get(self.jwt.roles_claim, [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise Unauthenticated(f"claim {self.jwt.roles_claim!r} must be a list of strings")
        attributes = {c: str(claims[c]) for c in self.jwt.attribute_claims if c in claims}
        return Caller(agent=str(claims["sub"]), roles=frozenset(roles), attributes=attributes,
                      on_behalf_of=on_behalf_of)


def request_caller(auth: Authenticator, request: Request) -> Caller:
    """The caller of an HTTP request, the same way at every door (tools, jobs, events)."""
    caller = auth.authenticate(request.headers.get("authorization"),
                               request.headers.get("x-on-behalf-of"))
    request.state.agent = caller.agent  # for the request log line
    return caller
