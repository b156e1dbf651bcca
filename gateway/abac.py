"""Attribute-based conditions on top of roles, object ownership, and per-role field masking.

Roles say WHICH tools a caller may use (RBAC, deny by default). Rules add WHEN: conditions on
the agent's attributes, the time, the arguments, and the object's owner. Every rule that
matches the tool and one of the caller's roles must hold. Each decision says why.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from fnmatch import fnmatchcase
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator

from gateway.auth import Caller

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class TimeWindow(BaseModel):
    days: str = "mon-sun"
    hours: str = "00:00-24:00"
    tz: str = "UTC"

    @field_validator("days")
    @classmethod
    def _days(cls, value: str) -> str:
        first, _, last = value.lower().partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError("days must look like 'mon-fri' or 'sat'")
        return value.lower()

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.tz))
        first, _, last = self.days.partition("-")
        lo, hi = DAYS.index(first), DAYS.index(last or first)
        day = local.weekday()
        in_days = lo <= day <= hi if lo <= hi else day >= lo or day <= hi
        start, _, end = self.hours.partition("-")
        now = local.time()
        begin = time.fromisoformat(start)
        finish = time(23, 59, 59, 999999) if end == "24:00" else time.fromisoformat(end)
        return in_days and begin <= now <= finish


class ArgumentCondition(BaseModel):
    max: Decimal | None = None
    min: Decimal | None = None
    one_of: list[str] | None = None

    def check(self, value: Any) -> str | None:
        """None when the value passes, else why not."""
        if value is None:
            return None
        if self.one_of is not None and str(value) not in self.one_of:
            return f"must be one of {self.one_of}"
        if self.max is not None and Decimal(str(value)) > self.max:
            return f"must be at most {self.max}"
        if self.min is not None and Decimal(str(value)) < self.min:
            return f"must be at least {self.min}"
        return None


class PolicyRule(BaseModel):
    description: str
    tools: list[str] = Field(default_factory=lambda: ["*"])
    roles: list[str] = Field(default_factory=lambda: ["*"])
    agent_attributes: dict[str, list[str]] = Field(default_factory=dict)
    time_window: TimeWindow | None = None
    arguments: dict[str, ArgumentCondition] = Field(default_factory=dict)
    require_on_behalf_of: bool = False
    owner_only: bool = Field(default=False, description=(
        "When acting on behalf of a user, every object in the arguments must be that user's"))

    def applies(self, caller: Caller, tool: str) -> bool:
        return any(fnmatchcase(tool, t) for t in self.tools) and any(
            fnmatchcase(role, r) for role in caller.roles for r in self.roles)


class Ownership(BaseModel):
    """How to find who owns the object an argument names: a declared, parameterized query."""

    system: str
    sql: str = Field(description="One '?' for the argument's value; returns the owner id")
    owner_column: str
    width: int | None = Field(default=None, description="CHAR width to pad the value to")


class FieldRule(BaseModel):
    mask: list[str] = Field(default_factory=list, description="keep only the last 4 chars")
    drop: list[str] = Field(default_factory=list)


class PolicySettings(BaseModel):
    rules: list[PolicyRule] = Field(default_factory=list)
    on_behalf_of_roles: list[str] = Field(
        default_factory=list, description="Roles allowed to send X-On-Behalf-Of")
    ownership: dict[str, Ownership] = Field(
        default_factory=dict, description="argument name -> how to find its owner; "
        "`customer_id` is owned by the customer it names")
    fields: dict[str, FieldRule] = Field(default_factory=dict, description="role -> masking")


def check_caller(policy: PolicySettings, caller: Caller, tool: str, now: datetime) -> str | None:
    """Phase one, before arguments are read: None if allowed, else the reason."""
    if caller.on_behalf_of and not set(policy.on_behalf_of_roles) & caller.roles:
        return f"agent {caller.agent!r} may not act on behalf of users"
    for rule in policy.rules:
        if not rule.applies(caller, tool):
            continue
        for name, allowed in rule.agent_attributes.items():
            if caller.attributes.get(name) not in allowed:
                return f"{rule.description}: agent attribute {name} must be one of {allowed}"
        if rule.time_window and not rule.time_window.contains(now):
            return f"{rule.description}: outside {rule.time_window.days} " \
                   f"{rule.time_window.hours} {rule.time_window.tz}"
        if rule.require_on_behalf_of and not caller.on_behalf_of:
            return f"{rule.description}: X-On-Behalf-Of is required"
    return None


def check_arguments(policy: PolicySettings, caller: Caller, tool: str,
                    arguments: dict[str, Any]) -> str | None:
    """Phase two, on validated arguments (ownership is checked separately, it needs I/O)."""
    for rule in policy.rules:
        if not rule.applies(caller, tool):
            continue
        for name, condition in rule.arguments.items():
            problem = condition.check(arguments.get(name))
            if problem:
                return f"{rule.description}: {name} {problem}"
    return None


def owner_only(policy: PolicySettings, caller: Caller, tool: str) -> bool:
    """Whether this call may touch only the objects of the user it is made on behalf of."""
    return bool(caller.on_behalf_of) and any(
        r.owner_only and r.applies(caller, tool) for r in policy.rules)


def owner_checked_arguments(policy: PolicySettings, caller: Caller, tool: str,
                            arguments: dict[str, Any]) -> dict[str, str]:
    """The arguments whose owner must be the on-behalf-of user for this call."""
    if not owner_only(policy, caller, tool):
        return {}
    names = {"customer_id", *policy.ownership}
    return {k: str(v) for k, v in arguments.items() if k in names and v is not None}


def mask_fields(data: Any, rules: list[FieldRule]) -> Any:
    """Apply every rule of the caller's roles to a JSON value, by key, at any depth."""
    if not rules:
        return data
    masked = {k for r in rules for k in r.mask}
    dropped = {k for r in rules for k in r.drop}

    def walk(value: Any) -> Any:
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if key in dropped:
                    continue
                if key in masked and isinstance(item, str):
                    out[key] = "*" * max(0, len(item) - 4) + item[-4:]
                else:
                    out[key] = walk(item)
            return out
        return value

    return walk(data)
