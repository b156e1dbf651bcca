"""Legacy systems from configuration: each becomes one bridge, built by its protocol's class."""

from __future__ import annotations

import importlib
from typing import Any

from bridges.base import Bridge
from bridges.errors import ConfigError
from bridges.secrets import SecretStore

# Protocol name -> bridge class, by dotted name so a protocol's library loads only when used.
BRIDGE_CLASSES = {
    "odbc": "bridges.odbc:OdbcBridge",
    "soap": "bridges.soap:SoapBridge",
    "tn3270": "bridges.tn3270:Tn3270Bridge",
    "browser": "bridges.browser:BrowserBridge",
    "sftp": "bridges.sftp:SftpBridge",
    "smtp": "bridges.smtp:SmtpBridge",
}


def bridge_class(protocol: str) -> type[Bridge[Any, Any]]:
    try:
        module_name, _, attr = BRIDGE_CLASSES[protocol].partition(":")
    except KeyError:
        raise ConfigError(f"unknown bridge {protocol!r}; known: {sorted(BRIDGE_CLASSES)}") from None
    cls: type[Bridge[Any, Any]] = getattr(importlib.import_module(module_name), attr)
    return cls


def build_bridges(systems: dict[str, dict[str, Any]], secrets: SecretStore) -> (
    dict[str, Bridge[Any, Any]]
):
    bridges: dict[str, Bridge[Any, Any]] = {}
    for name, config in systems.items():
        settings = dict(config)
        protocol = settings.pop("bridge", None)
        if not isinstance(protocol, str):
            raise ConfigError(f"system {name!r} needs bridge = '<protocol>'")
        bridges[name] = bridge_class(protocol).from_config(name, settings, secrets)
    return bridges
