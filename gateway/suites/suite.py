"""A golden suite: tool calls (agent, tool, arguments) with their expected results, as one file.

    fixtures/suites/<name>/suite.json        the calls and, once recorded, what each returned
    fixtures/suites/<name>/recording.json    the systems and policy the recording ran against
    fixtures/suites/<name>/cassettes/        one cassette per system (wire exchanges, redacted)

Volatile fields (times a tool stamps, trace ids) are ignored by declaration: dotted paths into
the response body, `*` standing for any key or list index ("data.*.fetched_at"). Ignored
fields are left out of the stored expectation, so a re-recording diffs only what changed.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bridges.errors import ConfigError
from emulators.dataset import fixtures_dir

SUITE_FILE = "suite.json"
RECORDING_FILE = "recording.json"
CASSETTES = "cassettes"
# What differs between two correct runs of any call.
DEFAULT_IGNORE = ("trace_id", "source.fetched_at", "source.age_s")


class Expectation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    status: int
    body: Any


class SuiteCall(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,47}$", description="Unique in the suite")
    agent: str = Field(description="Who calls: an agent (and role) name, e.g. support")
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    on_behalf_of: str | None = None
    ignore: tuple[str, ...] = Field(default=(), description="Volatile fields of this call")
    expect: Expectation | None = Field(default=None, description="Written by `record`")


class Checks(BaseModel):
    """Properties every call of the suite must show, beyond its expected result."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    never_cached: bool = Field(default=False, description="Every answer fresh from the wire")
    audited: bool = Field(default=False, description="Every call in the audit log, chain intact")


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["mainbridge-suite/1"] = "mainbridge-suite/1"
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,47}$")
    description: str = ""
    ignore: tuple[str, ...] = DEFAULT_IGNORE
    checks: Checks = Field(default_factory=Checks)
    calls: tuple[SuiteCall, ...]

    def model_post_init(self, context: Any) -> None:
        ids = [c.id for c in self.calls]
        if len(ids) != len(set(ids)):
            raise ValueError(f"suite {self.name}: call ids must be unique")

    def ignored(self, call: SuiteCall) -> tuple[str, ...]:
        return (*self.ignore, *call.ignore)


class SuiteFiles:
    """Where one suite's files live; a suite is addressed by name or by its folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.suite = folder / SUITE_FILE
        self.recording = folder / RECORDING_FILE
        self.cassettes = folder / CASSETTES

    @classmethod
    def find(cls, name_or_path: str) -> SuiteFiles:
        path = Path(name_or_path)
        if path.name == SUITE_FILE:
            path = path.parent
        if not path.is_dir():
            path = suites_dir() / name_or_path
        files = cls(path)
        if not files.suite.is_file():
            raise ConfigError(f"no suite {name_or_path!r} (looked for {files.suite}); known: "
                              f"{', '.join(s.folder.name for s in all_suites()) or 'none'}")
        return files

    def load(self) -> Suite:
        try:
            return Suite.model_validate_json(self.suite.read_bytes())
        except (OSError, ValidationError) as exc:
            raise ConfigError(f"{self.suite}: not a valid suite: {exc}") from None

    def save(self, suite: Suite) -> None:
        write_json(self.suite, suite.model_dump(mode="json", exclude_defaults=False))


def suites_dir() -> Path:
    return fixtures_dir() / "suites"


def all_suites() -> list[SuiteFiles]:
    root = suites_dir()
    return [SuiteFiles(p.parent) for p in sorted(root.glob(f"*/{SUITE_FILE}"))]


def write_json(path: Path, value: Any) -> None:
    """Atomically: a half-written golden file would read as drift on the next replay."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(value, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide golden files from other users
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
