"""Where a suite runs: the demo's emulators, a configured environment, or its own recording.

An environment is the gateway settings a suite needs (systems, roles, policy, limits) plus the
secret store its bridges read. Recording switches every system to record into a cassette;
replaying rebuilds the recorded systems from `recording.json`, each answering from its
cassette, with an empty secret store: no server and no credential is needed.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from bridges.errors import ConfigError
from bridges.recording import Redactor
from bridges.secrets import EnvSecretStore, MemorySecretStore, SecretStore
from gateway.demo import demo_settings, start_emulators
from gateway.runtime import default_secrets
from gateway.settings import Settings, load_settings
from gateway.suites.suite import SuiteFiles, write_json
from gateway.systems import bridge_class

RECORDING_FORMAT = "mainbridge-recording/1"
# The parts of the settings a replay needs to answer as the recording did.
_REPLAYED = {"systems", "roles", "policy", "controls", "adapters"}


@dataclass
class Environment:
    label: str  # "demo", a config file's name, or "recording"
    settings: Settings
    secrets: SecretStore | None = None  # None: the settings' own (environment, secrets_dir)

    def secret_values(self) -> list[str]:
        """Every credential this environment can hand a bridge: what a cassette must not hold.

        Multi-line secrets (PEM keys) also count line by line, so a fragment is caught too.
        """
        prefix = EnvSecretStore().prefix
        values = [v for k, v in os.environ.items() if k.startswith(prefix)]
        folder = self.settings.secrets_dir
        if folder is not None and folder.is_dir():
            values += [p.read_text(encoding="utf-8", errors="replace") for p in folder.iterdir()
                       if p.is_file()]
        lines = [line.strip() for v in values for line in v.splitlines()]
        return sorted({v.strip() for v in values} | {line for line in lines if len(line) >= 16}
                      - {""})

    def with_cassettes(self, mode: Literal["record", "replay"], folder: Path) -> Environment:
        systems = with_cassettes(self.settings.systems, mode, folder)
        return Environment(self.label, self.settings.model_copy(update={"systems": systems}),
                           self.secrets)


def with_cassettes(systems: dict[str, dict[str, Any]], mode: Literal["record", "replay"],
                   folder: Path) -> dict[str, dict[str, Any]]:
    """Every system recording into (or replaying from) `folder/<system><suffix>`."""
    switched = {}
    for name, config in systems.items():
        cls = bridge_class(str(config.get("bridge")))
        switched[name] = {**config, **cls.cassette_config(
            mode, folder / f"{name}{cls.cassette_suffix}")}
    return switched


def open_environment(env: str, stack: ExitStack) -> Environment:
    """`demo`: start every emulator (stopped with `stack`); anything else: a TOML config file."""
    if env == "demo":
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mainbridge-")))
        return Environment("demo", demo_settings(Settings(), start_emulators(stack, workdir)))
    path = Path(env)
    if not path.is_file():
        raise ConfigError(f"--env must be 'demo' or a settings file; {env!r} is neither")
    settings = load_settings(path)
    return Environment(path.name, settings, default_secrets(settings))


def save_recording(files: SuiteFiles, env: Environment, systems: set[str]) -> None:
    """What a replay needs to rebuild the recorded gateway; secret-ish keys redacted."""
    settings = env.settings.model_dump(mode="json", include=_REPLAYED)
    settings["systems"] = {n: c for n, c in settings["systems"].items() if n in systems}
    settings["controls"]["redis_url"] = None  # a replay runs alone, in memory
    write_json(files.recording, {
        "format": RECORDING_FORMAT, "env": env.label,
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": Redactor(env.secret_values())(settings)})


def recorded_environment(files: SuiteFiles) -> Environment:
    """The recorded systems, each replaying its cassette; no server, no secret."""
    if not files.recording.is_file():
        raise ConfigError(f"suite {files.folder.name!r} has no recording yet: run "
                          f"`mainbridge record {files.folder.name}` first")
    data = load_json(files.recording)
    if data.get("format") != RECORDING_FORMAT:
        raise ConfigError(f"{files.recording} is not a {RECORDING_FORMAT} file")
    env = Environment("recording", Settings.model_validate(data["settings"]),
                      MemorySecretStore({}))
    return env.with_cassettes("replay", files.cassettes)


def load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None


def cassette_files(folder: Path) -> Iterator[Path]:
    return (p for p in sorted(folder.iterdir()) if p.is_file()) if folder.is_dir() else iter(())
