"""Screen flows declared as data (wait, fill, press, extract, check, repeat) and their runner."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn

from pydantic import BaseModel

from bridges.errors import (
    AuthError,
    BridgeError,
    BridgeTimeout,
    ConfigError,
    NotFound,
    RemoteFault,
)
from bridges.tn3270.escape import check_text
from bridges.tn3270.screen import FieldAt, Screen, Signature
from bridges.tn3270.terminal import SessionLost, Terminal

ErrorKind = Literal["not_found", "auth", "expired", "fault"]


class OutcomeUnknown(BridgeTimeout):
    """A write's commit key was sent but no answer came: it may or may not have happened.

    Not retriable: repeating could do the write twice. Check the system, then decide.
    """

    retriable = False


class ErrorScreen(BaseModel):
    """The host's error screen: where its code and message are, and what each code means."""

    screen: Signature
    code: FieldAt
    message: FieldAt
    kinds: dict[str, ErrorKind] = {}


def at(row: int, col: int, length: int | None = None) -> FieldAt:
    return FieldAt(row=row, col=col, length=length)


def labelled(label: str, length: int | None = None) -> FieldAt:
    return FieldAt(label=label, length=length)


@dataclass(frozen=True)
class Wait:
    """Until the screen settles on `screen`; other known screens met meanwhile are errors."""

    screen: str
    otherwise: Mapping[str, ErrorKind] = field(default_factory=dict)
    timeout_s: float | None = None
    message: FieldAt | None = None  # where the host says why, quoted in that error


@dataclass(frozen=True)
class Fill:
    """Type a request value (`param`) or a constant (`text`) into a field."""

    field: FieldAt
    param: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class Press:
    key: str
    commit: bool = False  # the key that makes a write happen


@dataclass(frozen=True)
class Extract:
    name: str
    field: FieldAt


@dataclass(frozen=True)
class ExtractRows:
    """A list on screen: `count` lines from `first_row`, columns by (col, length).

    Lines whose first column is blank are not rows. Rows add up across a `Repeat`.
    """

    name: str
    first_row: int
    count: int
    columns: Mapping[str, tuple[int, int]]


@dataclass(frozen=True)
class Check:
    """The field must match `pattern`, else the host said no: RemoteFault with its text."""

    field: FieldAt
    pattern: str


@dataclass(frozen=True)
class Repeat:
    """Run `steps` until the hook says the screen is the last one (e.g. "page N of N"),
    running `between` (e.g. press PF8, wait) before each next round."""

    steps: tuple[Step, ...]
    until: Callable[[Screen], bool]
    between: tuple[Step, ...] = ()
    max_times: int = 200


Step = Wait | Fill | Press | Extract | ExtractRows | Check | Repeat


@dataclass(frozen=True)
class Flow:
    name: str
    steps: tuple[Step, ...]
    write: bool = False
    secret_params: frozenset[str] = frozenset()


@dataclass
class FlowResult:
    values: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    trail: list[dict[str, Any]] = field(default_factory=list)  # keys and screens, for cassettes

    def to_json(self) -> dict[str, Any]:
        return {"values": self.values, "rows": self.rows, "screens": self.trail}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FlowResult:
        return cls(dict(data["values"]), {k: list(v) for k, v in data["rows"].items()},
                   list(data.get("screens", [])))


class FlowRun:
    """Executes one flow on one signed-on terminal."""

    def __init__(self, terminal: Terminal, screens: Mapping[str, Signature],
                 errors: ErrorScreen | None, timeout_s: float, system: str) -> None:
        self.terminal = terminal
        self.screens = screens
        self.errors = errors
        self.timeout_s = timeout_s
        self.system = system
        self.pending: list[str] = []  # fills typed together with the next key
        self.committed = False
        self.result = FlowResult()
        self.values: Mapping[str, str] = {}

    def execute(self, flow: Flow, values: Mapping[str, str]) -> FlowResult:
        self.values = values
        self._steps(flow.steps)
        return self.result

    def _steps(self, steps: tuple[Step, ...]) -> None:
        for step in steps:
            getattr(self, f"_{type(step).__name__.lower()}")(step)

    def _screen(self) -> Screen:
        return self.terminal.screen or self.terminal.read()

    def _signature(self, name: str) -> Signature:
        try:
            return self.screens[name]
        except KeyError:
            raise ConfigError(f"flow names unknown screen {name!r}", system=self.system) from None

    def raise_error_screen(self, screen: Screen) -> None:
        """An error screen becomes a typed error (unexpected-screen handler)."""
        spec = self.errors
        if spec is None or not screen.shows(spec.screen):
            return
        code, message = screen.read(spec.code), screen.read(spec.message)
        self.fail(spec.kinds.get(code, "fault"), f"host error {code}: {message}", code)

    def fail(self, kind: ErrorKind, message: str, code: str | None = None) -> NoReturn:
        error: BridgeError
        if kind == "not_found":
            error = NotFound(message, system=self.system)
        elif kind == "auth":
            error = AuthError(message, system=self.system)
        elif kind == "expired" and not self.committed:
            error = SessionLost(message, system=self.system)
        elif kind == "expired":
            error = OutcomeUnknown(f"{message} (after the write key)", system=self.system)
        else:
            error = RemoteFault(message, code=code, system=self.system)
        raise error

    def _wait(self, step: Wait) -> None:
        wanted = self._signature(step.screen)
        others = {name: self._signature(name) for name in step.otherwise}
        deadline = time.monotonic() + (step.timeout_s or self.timeout_s)
        screen = self._screen()
        while True:
            self.raise_error_screen(screen)
            if not screen.locked:
                if screen.shows(wanted):
                    return
                for name, signature in others.items():
                    if screen.shows(signature):
                        why = f": {screen.read(step.message)}" if step.message else ""
                        self.fail(step.otherwise[name], f"expected screen {step.screen!r}, "
                                  f"host shows {name!r}{why}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                error = OutcomeUnknown if self.committed else BridgeTimeout
                raise error(f"screen {step.screen!r} did not appear in time "
                            f"(host shows {screen.rows[0].strip()[:40]!r})", system=self.system)
            time.sleep(0.002)  # the host is still painting: poll, cheaply
            screen = self.terminal.settle(remaining)

    def _fill(self, step: Fill) -> None:
        value = step.text if step.param is None else self.values.get(step.param)
        if value is None:
            raise ConfigError(f"no value for {step.param!r}", system=self.system)
        row, col, length = self._screen().locate(step.field)
        self.pending.append(self.terminal.fill_actions(row, col, check_text(value, length)))

    def _press(self, step: Press) -> None:
        actions, self.pending = " ".join(self.pending), []
        try:
            screen = self.terminal.press(step.key, self.timeout_s, actions)
        except (SessionLost, BridgeTimeout) as exc:
            if step.commit or self.committed:  # a retry could write twice: never blindly
                raise OutcomeUnknown(f"no answer after {step.key}: the write may or may not "
                                     f"have happened ({exc.message})", system=self.system) from exc
            raise
        self.committed = self.committed or step.commit
        self.result.trail.append({"key": step.key, "screen": screen.to_json()})

    def _extract(self, step: Extract) -> None:
        self.result.values[step.name] = self._screen().read(step.field)

    def _extractrows(self, step: ExtractRows) -> None:
        screen = self._screen()
        rows = self.result.rows.setdefault(step.name, [])
        for line in range(step.first_row, step.first_row + step.count):
            row = {name: screen.text(line, col, length).strip()
                   for name, (col, length) in step.columns.items()}
            if next(iter(row.values()), ""):
                rows.append(row)

    def _check(self, step: Check) -> None:
        text = self._screen().read(step.field)
        if not re.fullmatch(step.pattern, text):
            raise RemoteFault(f"host refused: {text}", code="SCREEN", system=self.system)

    def _repeat(self, step: Repeat) -> None:
        for _ in range(step.max_times):
            self._steps(step.steps)
            if step.until(self._screen()):
                return
            self._steps(step.between)
        raise RemoteFault(f"still not at the end after {step.max_times} rounds",
                          code="LOOP", system=self.system)
