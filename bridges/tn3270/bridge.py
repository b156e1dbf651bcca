"""TN3270 bridge: declared screen flows run on pooled, signed-on s3270 sessions."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from bridges.base import BlockingBridge
from bridges.errors import AuthError, BridgeError, ConfigError, NotFound, RemoteFault
from bridges.recording import Cassette, Redactor
from bridges.secrets import SecretStore
from bridges.tn3270.flow import ErrorScreen, Fill, Flow, FlowResult, FlowRun, Press, Wait
from bridges.tn3270.pool import SessionPool
from bridges.tn3270.screen import FieldAt, Signature
from bridges.tn3270.terminal import SessionLost, Terminal

log = logging.getLogger("mainbridge.bridges.tn3270")


class SignOn(BaseModel):
    """How to sign on: the sign-on screen, its two fields, and the home screen after it."""

    screen: str = "signon"
    user_field: FieldAt
    password_field: FieldAt
    home: str = "menu"
    home_key: str = "CLEAR"
    message_field: FieldAt | None = Field(default=None, description="Why a sign-on failed")


class Tn3270Settings(BaseModel):
    host: str = Field(default="127.0.0.1", pattern=r"^[A-Za-z0-9.-]{1,253}$")
    port: int | None = Field(default=None, ge=1, le=65535)
    model: Literal["3279-2", "3278-2", "3279-4", "3278-4"] = "3279-2"
    codepage: Literal["cp037", "cp1047"] = "cp037"
    user: str = Field(pattern=r"^[A-Z0-9@#$]{1,8}$")
    password_secret: str = Field(description="Secret store key of the sign-on password")
    screens: dict[str, Signature]
    signon: SignOn
    error_screen: ErrorScreen | None = None
    max_sessions: int = Field(default=4, ge=1, le=64, description="The mainframe's budget")
    warm_sessions: int = Field(default=1, ge=0)
    step_timeout_s: float = Field(default=5.0, gt=0)
    wait_session_s: float = Field(default=10.0, gt=0)
    health_check_after_s: float = Field(default=30.0, ge=0)
    record: Path | None = None
    replay: Path | None = None
    s3270: str = "s3270"


@dataclass(frozen=True)
class FlowCall:
    """One request: run `flow` with these values (each is validated before typing)."""

    flow: Flow
    values: Mapping[str, str]

    def to_json(self) -> dict[str, Any]:
        return {"flow": self.flow.name,
                "values": {k: "***" if k in self.flow.secret_params else v
                           for k, v in sorted(self.values.items())}}


class Tn3270Bridge(BlockingBridge[FlowCall, FlowResult]):
    protocol = "tn3270"
    settings_model = Tn3270Settings

    def __init__(self, system: str, settings: Tn3270Settings, secrets: SecretStore) -> None:
        super().__init__(system, max_workers=settings.max_sessions)
        self.settings = settings
        self._secrets = secrets
        if settings.port is None and settings.replay is None:
            raise ConfigError(f"system {system!r}: tn3270 needs a port (or a replay cassette)",
                              system=system)
        self.pool: SessionPool[Terminal] = SessionPool(
            self._sign_on, Terminal.close, Terminal.alive, settings.max_sessions,
            settings.wait_session_s, settings.health_check_after_s, system)
        self._signon_flow = Flow("signon", (
            Wait(settings.signon.screen),
            Fill(settings.signon.user_field, param="user"),
            Fill(settings.signon.password_field, param="password"),
            Press("ENTER"),
            Wait(settings.signon.home, otherwise={settings.signon.screen: "auth"},
                 message=settings.signon.message_field),
        ), secret_params=frozenset({"password"}))
        self.cassette: Cassette | None = None
        self._record_lock = threading.Lock()
        if settings.replay is not None:
            self.cassette = Cassette.load(settings.replay)
        elif settings.record is not None:
            self.cassette = Cassette(self.protocol, system)

    @classmethod
    def cassette_config(cls, mode: Literal["record", "replay"], path: Path) -> dict[str, Any]:
        other = "replay" if mode == "record" else "record"
        return {mode: str(path), other: None}

    # -- sessions ------------------------------------------------------------------------
    def _password(self) -> str:
        return self._secrets.get(self.settings.password_secret).get_secret_value()

    def _run(self, terminal: Terminal, flow: Flow, values: Mapping[str, str]) -> FlowResult:
        run = FlowRun(terminal, self.settings.screens, self.settings.error_screen,
                      self.settings.step_timeout_s, self.system)
        return run.execute(flow, values)

    def _sign_on(self) -> Terminal:
        s = self.settings
        assert s.port is not None
        terminal = Terminal(self.system, s.model, s.codepage, s.s3270)
        try:
            terminal.connect(s.host, s.port, s.step_timeout_s)
            self._run(terminal, self._signon_flow, {"user": s.user, "password": self._password()})
        except BridgeError:
            terminal.close()
            raise
        return terminal

    def _home(self, terminal: Terminal) -> bool:
        """Back on the home screen, ready for the next flow? (False: do not reuse it.)"""
        home = self.settings.screens[self.settings.signon.home]
        try:
            screen = terminal.screen or terminal.read()
            if screen.shows(home) and not screen.locked:
                return True
            screen = terminal.press(self.settings.signon.home_key, self.settings.step_timeout_s)
            return screen.shows(home) and not screen.locked
        except BridgeError:
            return False

    # -- exchange ------------------------------------------------------------------------
    def _once(self, call: FlowCall) -> FlowResult:
        terminal = self.pool.acquire()
        reusable = False
        try:
            result = self._run(terminal, call.flow, call.values)
            reusable = True
            return result
        except BridgeError as exc:
            # An error screen (not found, not authorized, refused) or a value refused before
            # typing leaves a working session; a lost, stuck or garbled one is closed.
            reusable = isinstance(exc, (NotFound, RemoteFault, AuthError, ConfigError))
            raise
        finally:
            self.pool.release(terminal, reusable and self._home(terminal))

    def exchange_blocking(self, request: FlowCall) -> FlowResult:
        if self.settings.replay is not None:
            assert self.cassette is not None
            return FlowResult.from_json(self.cassette.replay(request.to_json()))
        try:
            result = self._once(request)
        except SessionLost as exc:
            # Dropped or expired before any commit key (after one, OutcomeUnknown is raised
            # instead): sign on afresh and run the flow once more.
            log.info("%s: session lost (%s); signing on again", self.system, exc.message)
            result = self._once(request)
        self._record(request, result)
        return result

    def _record(self, request: FlowCall, result: FlowResult) -> None:
        if self.cassette is None or self.settings.record is None:
            return
        with self._record_lock:
            self.cassette.record(request.to_json(), result.to_json(),
                                 Redactor([self._password()]))
            self.cassette.save(self.settings.record)

    async def open(self) -> None:
        if self.settings.replay is not None:
            return
        for _ in range(min(self.settings.warm_sessions, self.settings.max_sessions)):
            try:
                terminal = await self.workers.run(self.pool.acquire)
            except BridgeError as exc:  # the host may come up later; calls will retry
                log.warning("%s: could not warm a session: %s", self.system, exc.message)
                return
            self.pool.release(terminal, True)

    async def close(self) -> None:
        if self.cassette is not None and self.settings.record is not None:
            # saved after each exchange; here too, so that a session with none leaves a file
            with self._record_lock:
                self.cassette.save(self.settings.record)
        await self.workers.run(self.pool.close)
        await super().close()
