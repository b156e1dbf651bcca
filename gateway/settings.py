"""The gateway's configuration: one pydantic-settings model, `MAINBRIDGE_*` or a TOML file."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from gateway.controls import ControlSettings

DEMO_KEYS = {
    "support": "demo-support-key",
    "sales": "demo-sales-key",
    "compliance": "demo-compliance-key",
    "admin": "demo-admin-key",
}


def key_hash(api_key: str) -> str:
    """API keys are stored as SHA-256 hex: keys are long random strings, not passwords."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


DEMO_KEY_HASHES = frozenset(key_hash(k) for k in DEMO_KEYS.values())


class AgentConfig(BaseModel):
    key_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    roles: list[str] = Field(default_factory=list)
    attributes: dict[str, str] = Field(default_factory=dict)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAINBRIDGE_", env_nested_delimiter="__",
                                      extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    demo: bool = False
    log_level: str = "INFO"
    secrets_dir: Path | None = Field(default=None, description="FileSecretStore directory")
    state_dir: Path | None = Field(
        default=None, description="Where durable state lives (idempotency records); "
        "in memory when unset")
    adapters: list[str] | None = Field(
        default=None, description="Adapter modules to load (default: every one in adapters/)")
    systems: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Legacy systems: name -> {bridge = 'odbc', ...bridge settings}")
    agents: dict[str, AgentConfig] = Field(default_factory=dict)
    roles: dict[str, list[str]] = Field(
        default_factory=dict, description="role -> tool names or fnmatch patterns")
    controls: ControlSettings = Field(default_factory=ControlSettings)
    audit_fsync: bool = Field(
        default=False, description="fsync every audit record (default: WAL, synced at checkpoints)")
    trace_exporter: Literal["none", "console", "otlp", "memory"] = Field(
        default="none", description="Where OpenTelemetry spans go (memory: tests)")
    otlp_endpoint: str | None = Field(default=None, description="OTLP/HTTP traces URL")

    @model_validator(mode="after")
    def _demo_keys_only_in_demo(self) -> Settings:
        if not self.demo:
            leaked = [name for name, a in self.agents.items() if a.key_sha256 in DEMO_KEY_HASHES]
            if leaked:
                raise ValueError(f"demo API keys are refused outside demo mode: {leaked}")
        return self

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: tuple[PydanticBaseSettingsSource, ...] = (init_settings, env_settings)
        toml_file = settings_cls.model_config.get("toml_file")
        if toml_file:
            sources += (TomlConfigSettingsSource(settings_cls, toml_file=toml_file),)
        return sources


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Precedence: explicit overrides, then MAINBRIDGE_* variables, then the TOML file."""
    if config_file is None:
        return Settings(**overrides)
    if not config_file.is_file():
        raise FileNotFoundError(f"config file not found: {config_file}")

    class FileSettings(Settings):
        model_config = SettingsConfigDict(toml_file=config_file)

    return FileSettings(**overrides)
