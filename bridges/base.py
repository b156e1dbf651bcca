"""Bridge: the one interface between mainbridge and a legacy wire protocol."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Generic, Literal, Self, TypeVar

from pydantic import BaseModel, ValidationError

from bridges.errors import ConfigError
from bridges.recording import CassetteSettings
from bridges.secrets import SecretStore
from bridges.workers import WorkerPool

Request = TypeVar("Request")
Reply = TypeVar("Reply")


class Bridge(ABC, Generic[Request, Reply]):
    """Owns the connections to one legacy system over one protocol.

    Subclasses implement `exchange` (one request, one raw reply) and may override the
    `open`/`close` hooks. They raise only `bridges.errors.BridgeError` subclasses.
    """

    protocol: ClassVar[str] = ""
    settings_model: ClassVar[type[BaseModel]]
    cassette_suffix: ClassVar[str] = ".json"  # of the file `cassette_config` points at

    def __init__(self, system: str) -> None:
        self.system = system

    @classmethod
    def from_config(cls, system: str, config: Mapping[str, Any], secrets: SecretStore) -> Self:
        """Build from a plain config mapping: every bridge takes (system, settings, secrets)."""
        try:
            settings = cls.settings_model.model_validate(dict(config))
        except ValidationError as exc:
            raise ConfigError(f"system {system!r}: invalid {cls.protocol} settings: {exc}",
                              system=system) from None
        return cls(system, settings, secrets)  # type: ignore[call-arg]

    @classmethod
    def cassette_config(cls, mode: Literal["record", "replay"], path: Path) -> dict[str, Any]:
        """The settings that make this bridge record into, or replay from, `path`.

        Merged over a system's config (`{**config, **cassette_config(mode, path)}`), so QA
        tools switch any system without knowing each protocol's setting names. Replaying
        needs neither the server nor any secret. Bridges whose settings are
        `CassetteSettings` share its `mode`/`cassette` switch; others override this.
        """
        if issubclass(cls.settings_model, CassetteSettings):
            return CassetteSettings.switch(mode, path)
        raise ConfigError(f"the {cls.protocol} bridge cannot record or replay")

    async def open(self) -> None:
        """Hook: connect, warm pools. Called once before the first exchange."""

    async def close(self) -> None:
        """Hook: release every connection and thread."""

    @abstractmethod
    async def exchange(self, request: Request) -> Reply:
        """Send one request to the legacy system and return its raw reply."""


class BlockingBridge(Bridge[Request, Reply]):
    """A bridge over a blocking client library: `exchange_blocking` runs in a worker thread."""

    def __init__(self, system: str, max_workers: int = 4) -> None:
        super().__init__(system)
        self.workers = WorkerPool(max_workers, name=f"{self.protocol}-{system}")

    async def exchange(self, request: Request) -> Reply:
        return await self.workers.run(self.exchange_blocking, request)

    @abstractmethod
    def exchange_blocking(self, request: Request) -> Reply:
        """The blocking exchange; runs in the bridge's bounded worker pool."""

    async def close(self) -> None:
        self.workers.shutdown()
