"""Demo mode: start every emulator, wire its system into the gateway, enable demo agents."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from adapters import crm, proposals, sanctions, ticketing
from adapters.core_banking import system_config as corebanking_config
from adapters.loans import system_config as loans_config
from emulators.bankdb import SqliteBankDb
from emulators.dataset import fixtures_dir
from emulators.sftp import SftpEmulator
from emulators.smtp import USERNAME as MAIL_USERNAME
from emulators.smtp import MailServer
from emulators.soap import SoapEmulator
from emulators.tn3270 import Tn3270Host
from emulators.web import LoansPortal
from gateway.abac import PolicySettings
from gateway.limits import LimitRule
from gateway.settings import DEMO_KEYS, AgentConfig, Settings, key_hash

SystemsConfig = dict[str, dict[str, Any]]
EmulatorStarter = Callable[[ExitStack, Path], SystemsConfig]


def start_bankdb(stack: ExitStack, workdir: Path) -> SystemsConfig:
    db = stack.enter_context(SqliteBankDb(workdir / "bank.db"))
    return {"bankdb": {"bridge": "odbc", **db.connection()}}


def start_corebanking(stack: ExitStack, workdir: Path) -> SystemsConfig:
    return corebanking_systems(stack, stack.enter_context(Tn3270Host()))


def corebanking_systems(stack: ExitStack, host: Tn3270Host) -> SystemsConfig:
    """A running TN3270 host as a system; its sign-on password reaches the bridge via env."""
    os.environ["MAINBRIDGE_SECRET_COREBANKING_PASSWORD"] = host.password
    stack.callback(os.environ.pop, "MAINBRIDGE_SECRET_COREBANKING_PASSWORD", None)
    return {"corebanking": corebanking_config(host.port)}


def start_loans_portal(stack: ExitStack, workdir: Path) -> SystemsConfig:
    """The legacy loans web portal; its generated password reaches the bridge via env."""
    portal = stack.enter_context(LoansPortal())
    os.environ["MAINBRIDGE_SECRET_LOANS_PASSWORD"] = portal.password
    stack.callback(os.environ.pop, "MAINBRIDGE_SECRET_LOANS_PASSWORD", None)
    return {"loans": loans_config(portal.url, diagnostics_dir=str(workdir / "diagnostics"))}


def start_soap(stack: ExitStack, workdir: Path) -> SystemsConfig:
    return soap_systems(stack, stack.enter_context(SoapEmulator()))


def soap_systems(stack: ExitStack, soap: SoapEmulator) -> SystemsConfig:
    """CRM (v2), ticketing and sanctions (SOAP 1.2) of a running emulator; the ticketing
    password goes via env."""
    os.environ["MAINBRIDGE_SECRET_TICKETING_PASSWORD"] = soap.ticketing_password
    stack.callback(os.environ.pop, "MAINBRIDGE_SECRET_TICKETING_PASSWORD", None)
    return {"crm": crm.system_config(soap.url("/crm/v2"), "v2"),
            "ticketing": ticketing.system_config(soap.url("/ticketing")),
            "sanctions": sanctions.system_config(soap.url("/sanctions/soap12"), soap12=True)}


def start_settlements(stack: ExitStack, workdir: Path) -> SystemsConfig:
    """The partners' SFTP server (a new day's files every minute); its client key via env."""
    sftp = stack.enter_context(SftpEmulator(workdir / "sftp", publish_every_s=60))
    os.environ["MAINBRIDGE_SECRET_SETTLEMENTS_PRIVATE_KEY"] = sftp.client_key_pem()
    stack.callback(os.environ.pop, "MAINBRIDGE_SECRET_SETTLEMENTS_PRIVATE_KEY", None)
    return {"settlements": {"bridge": "sftp", **sftp.connection(),
                            "private_key_secret": "settlements.private_key"}}


def start_mail(stack: ExitStack, workdir: Path) -> SystemsConfig:
    """The bank's mail relay (SMTP); its generated password reaches the bridge via env."""
    mail = stack.enter_context(MailServer())
    os.environ["MAINBRIDGE_SECRET_MAIL_PASSWORD"] = mail.password
    stack.callback(os.environ.pop, "MAINBRIDGE_SECRET_MAIL_PASSWORD", None)
    return {"mail": proposals.system_config(mail.port, MAIL_USERNAME)}


# One starter per emulator; each returns the systems (bridge configs) it serves.
DEMO_EMULATORS: list[EmulatorStarter] = [start_bankdb, start_corebanking, start_loans_portal,
                                         start_soap, start_settlements, start_mail]


def start_emulators(stack: ExitStack, workdir: Path) -> SystemsConfig:
    systems: SystemsConfig = {}
    for starter in DEMO_EMULATORS:
        systems.update(starter(stack, workdir))
    return systems


def demo_policy_file() -> dict[str, Any]:
    with (fixtures_dir() / "demo" / "policy.toml").open("rb") as fh:
        return tomllib.load(fh)


def demo_roles() -> dict[str, list[str]]:
    roles: dict[str, list[str]] = demo_policy_file()["roles"]
    return roles


def demo_settings(base: Settings, systems: SystemsConfig) -> Settings:
    """The base settings plus the emulators' systems, the demo agents and their roles.

    Durable state (audit log, idempotency records, jobs) goes to `var/` in the project unless
    configured, so `mainbridge audit verify` finds what the demo wrote after it stopped.
    """
    policy = demo_policy_file()
    agents = {name: AgentConfig(key_sha256=key_hash(key), roles=[name])
              for name, key in DEMO_KEYS.items()}
    return base.model_copy(update={
        "demo": True,
        "systems": {**systems, **base.systems},
        "agents": {**agents, **base.agents},
        "roles": {**policy["roles"], **base.roles},
        "policy": PolicySettings.model_validate(policy["policy"]),
        "controls": base.controls.model_copy(update={"limits": [
            *(LimitRule.model_validate(r) for r in policy["limits"]),
            *base.controls.limits]}),
        "state_dir": base.state_dir or fixtures_dir().parent / "var",
        "webhook_hosts": base.webhook_hosts or ["127.0.0.1", "localhost"],
    })
