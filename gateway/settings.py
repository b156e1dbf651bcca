"""The gateway's configuration: one pydantic-settings model, `MAINBRIDGE_*` or a TOML file."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from gateway.abac import PolicySettings
from gateway.auth import JwtSettings
from gateway.controls import ControlSettings
from gateway.settings_agents import DEMO_KEY_HASHES, DEMO_KEYS, AgentConfig, key_hash


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
    policy: PolicySettings = Field(default_factory=PolicySettings)
    jwt: JwtSettings | None = None
    audit_fsync: bool = Field(
        default=False, description="fsync every audit record (default: WAL, synced at checkpoints)")
    trace_exporter: Literal["none", "console", "otlp", "memory"] = Field(
        default="none", description="Where OpenTelemetry spans go (memory: tests)")
    otlp_endpoint: str | None = Field(default=None, description="OTLP/HTTP traces URL")
    webhook_hosts: list[str] = Field(
        default_factory=list, description="Hosts webhooks may be sent to (names or IPs, "
        "exactly as in the URL); empty: agents may not ask for webhooks")
    events_poll_s: float = Field(default=2.0, gt=0,
                                 description="How often change feeds poll the legacy systems")
    change_feeds: bool = Field(default=True, description="Poll the adapters' change feeds "
                               "(off: /events stays empty; a replica or a QA replay saves the "
                               "legacy systems the polling)")
    jobs_redis_url: str | None = Field(
        default=None, description="Queue long-running jobs on this Redis (saq) for `mainbridge "
        "worker` processes; unset: the gateway runs them itself (SQLite)")

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


__all__ = ["DEMO_KEYS", "AgentConfig", "Settings", "key_hash", "load_settings"]
