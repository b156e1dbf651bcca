"""Where bridges take credentials from: environment or files, always as SecretStr.

A secret is named by a short key (`bankdb.password`). Values never leave this module as plain
strings except through `SecretStr.get_secret_value()` at the moment a library needs them.
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from pathlib import Path

from pydantic import SecretStr

from bridges.errors import ConfigError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def _check_name(name: str) -> str:
    if not _NAME.match(name) or ".." in name:
        raise ConfigError(f"invalid secret name {name!r}")
    return name


class SecretStore(ABC):
    @abstractmethod
    def lookup(self, name: str) -> SecretStr | None:
        """The secret called `name`, or None when this store does not have it."""

    def get(self, name: str) -> SecretStr:
        value = self.lookup(_check_name(name))
        if value is None:
            raise ConfigError(f"secret {name!r} is not set")
        return value


class EnvSecretStore(SecretStore):
    """`bankdb.password` is read from `MAINBRIDGE_SECRET_BANKDB_PASSWORD`."""

    def __init__(self, prefix: str = "MAINBRIDGE_SECRET_") -> None:
        self.prefix = prefix

    def variable(self, name: str) -> str:
        return self.prefix + re.sub(r"[^A-Za-z0-9]", "_", name).upper()

    def lookup(self, name: str) -> SecretStr | None:
        value = os.environ.get(self.variable(name))
        return SecretStr(value) if value is not None else None


class FileSecretStore(SecretStore):
    """One file per secret in a directory (the Docker/Kubernetes secrets convention)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def lookup(self, name: str) -> SecretStr | None:
        path = self.directory / name
        if not path.is_file():
            return None
        return SecretStr(path.read_text(encoding="utf-8").rstrip("\r\n"))


class MemorySecretStore(SecretStore):
    """Secrets held in memory: for the demo and tests, set by code, never from agents."""

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self._values = {k: SecretStr(v) for k, v in (values or {}).items()}

    def set(self, name: str, value: str) -> None:
        self._values[_check_name(name)] = SecretStr(value)

    def lookup(self, name: str) -> SecretStr | None:
        return self._values.get(name)


class ChainSecretStore(SecretStore):
    """The first store that has the secret wins."""

    def __init__(self, *stores: SecretStore) -> None:
        self.stores = stores

    def lookup(self, name: str) -> SecretStr | None:
        for store in self.stores:
            value = store.lookup(name)
            if value is not None:
                return value
        return None
