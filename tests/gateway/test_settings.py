"""Configuration and secrets: TOML file, MAINBRIDGE_* variables, secret stores."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bridges.errors import ConfigError
from bridges.secrets import ChainSecretStore, EnvSecretStore, FileSecretStore, MemorySecretStore
from gateway.runtime import Runtime
from gateway.settings import AgentConfig, Settings, key_hash, load_settings

CONFIG = """
port = 9100
[systems.bankdb]
bridge = "odbc"
driver = "SQLite3"
database = "/srv/bank.db"
password_secret = "bankdb.password"
[agents.ops]
key_sha256 = "{hash}"
roles = ["support"]
[roles]
support = ["get_recent_transactions"]
"""


def test_toml_file_then_environment_then_overrides(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text(CONFIG.format(hash=key_hash("ops-key-123")))
    settings = load_settings(path)
    assert settings.port == 9100 and settings.systems["bankdb"]["driver"] == "SQLite3"
    assert settings.agents["ops"].roles == ["support"]
    monkeypatch.setenv("MAINBRIDGE_PORT", "9200")
    assert load_settings(path).port == 9200
    assert load_settings(path, port=9300).port == 9300
    with pytest.raises(FileNotFoundError):
        load_settings(tmp_path / "missing.toml")


def test_demo_keys_are_refused_outside_demo_mode() -> None:
    demo_agent = {"x": AgentConfig(key_sha256=key_hash("demo-admin-key"), roles=["admin"])}
    with pytest.raises(ValidationError, match="demo API keys are refused"):
        Settings(agents=demo_agent)
    assert Settings(agents=demo_agent, demo=True).demo


def test_unknown_bridge_and_bad_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="unknown bridge"):
        Runtime(Settings(systems={"x": {"bridge": "carrier-pigeon"}}))
    with pytest.raises(ConfigError, match="invalid odbc settings"):
        Runtime(Settings(systems={"x": {"bridge": "odbc", "pool_size": 0, "driver": "SQLite3",
                                        "database": "x"}}))


def test_secret_stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAINBRIDGE_SECRET_BANKDB_PASSWORD", "from-env")
    (tmp_path / "crm.password").write_text("from-file\n")
    chain = ChainSecretStore(MemorySecretStore({"bankdb.password": "from-memory"}),
                             EnvSecretStore(), FileSecretStore(tmp_path))
    assert chain.get("bankdb.password").get_secret_value() == "from-memory"
    assert EnvSecretStore().get("bankdb.password").get_secret_value() == "from-env"
    assert chain.get("crm.password").get_secret_value() == "from-file"
    assert "from-file" not in repr(chain.get("crm.password"))
    with pytest.raises(ConfigError, match="not set"):
        chain.get("nothing.here")
    with pytest.raises(ConfigError, match="invalid secret name"):
        FileSecretStore(tmp_path).get("../etc/passwd")
