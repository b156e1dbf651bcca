"""What to scaffold: the request, its checks, and the reference system of each bridge."""

from __future__ import annotations

import json
import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

BRIDGES = ("soap", "tn3270", "browser", "odbc", "sftp")
# The reference system each bridge's template talks to (the emulator its test runs against).
REFERENCE = {"soap": "crm", "tn3270": "corebanking", "browser": "loans", "odbc": "bankdb",
             "sftp": "settlements"}
SOAP_REFERENCES = ("crm", "ticketing", "sanctions")
# Every system the emulators play: the contract suite (tests/contract) knows these only.
REFERENCE_SYSTEMS = frozenset({*REFERENCE.values(), *SOAP_REFERENCES, "mail"})
TEMPLATES = Path(__file__).parent / "templates"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_SYSTEM = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


class ScaffoldError(Exception):
    """The request cannot be scaffolded; the message says why and what to do instead."""


@dataclass(frozen=True)
class Request:
    name: str
    bridge: str
    root: Path
    system: str | None = None
    table: str | None = None  # odbc: derive from the catalog
    key: tuple[str, ...] = ()
    wsdl: Path | None = None  # soap: derive from the WSDL
    operation: str | None = None
    copybook: Path | None = None  # sftp: derive from the copybook
    examples: dict[str, str] = field(default_factory=dict)  # the derived tool's happy call
    config: Path | None = None  # gateway settings naming the system (odbc catalog reads)

    @property
    def target_system(self) -> str:
        return self.system or REFERENCE[self.bridge]

    def check(self) -> None:
        if self.bridge not in BRIDGES:
            raise ScaffoldError(f"unknown bridge {self.bridge!r}: choose one of "
                                f"{', '.join(BRIDGES)}")
        if not _NAME.match(self.name) or keyword.iskeyword(self.name):
            raise ScaffoldError(f"adapter name {self.name!r} must be a lower-case Python "
                                "identifier (a-z, 0-9, _; starting with a letter)")
        if self.name == "kit" or (self.root / "adapters" / self.name).exists() or (
                self.root / "adapters" / f"{self.name}.py").exists():
            raise ScaffoldError(f"adapters/{self.name} already exists: pick another name")
        if self.system is not None and not _SYSTEM.match(self.system):
            raise ScaffoldError(f"system name {self.system!r} must be lower case a-z, 0-9, _-")
        derived = {"table": (self.table, "odbc"), "wsdl": (self.wsdl, "soap"),
                   "copybook": (self.copybook, "sftp")}
        for option, (value, bridge) in derived.items():
            if value is not None and self.bridge != bridge:
                raise ScaffoldError(f"--{option} derives an {bridge} adapter, not {self.bridge}")
        if self.key and self.table is None:
            raise ScaffoldError("--key goes with --table")
        if (self.wsdl is None) != (self.operation is None):
            raise ScaffoldError("--wsdl and --operation go together")


def render(template: str, **values: str) -> str:
    """A template file with its $placeholders filled; a missing value is a bug, not a blank."""
    return Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(values)


def class_name(text: str) -> str:
    """'ACCTMAST' / 'get-customer' -> 'Acctmast' / 'GetCustomer'."""
    return "".join(part[:1].upper() + part[1:].lower()
                   for part in re.split(r"[^A-Za-z0-9]+", text) if part) or "Record"


def literal(value: Any) -> str:
    """Python source for a str, an int, or a dict or set of them, in double quotes."""
    if isinstance(value, set):
        return "{" + ", ".join(json.dumps(v) for v in sorted(value)) + "}"
    return json.dumps(value)
