"""Browser bridge: page flows on a legacy web portal through Playwright and headless Chromium.

One Chromium per bridge; a bounded pool of browser contexts, each signed on once and reused
until the portal ends its session (then it signs on again and reruns the flow). A failing
flow leaves a screenshot and the page's HTML, secrets masked, in the diagnostics folder and
names them in the error. Recording writes a Playwright HAR (secrets masked); replay serves
the portal from that HAR with no server at all.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout
from pydantic import BaseModel, Field

from bridges.base import Bridge
from bridges.errors import (
    AuthError,
    BridgeError,
    BridgeTimeout,
    ConfigError,
    ConnectError,
    ProtocolError,
)
from bridges.har import mask_har, secret_forms
from bridges.pageflow import (
    Click,
    Fill,
    Flow,
    FlowRun,
    Goto,
    PageRequest,
    PageResult,
    SessionExpired,
    WaitFor,
)
from bridges.recording import REDACTED, Redactor, ReplayMiss
from bridges.secrets import SecretStore

log = logging.getLogger("mainbridge.browser")
CHROMIUM = "/usr/lib/chromium/chromium"  # Debian's package; never `playwright install`
_UNREACHABLE = ("ERR_CONNECTION_REFUSED", "ERR_CONNECTION_RESET", "ERR_CONNECTION_CLOSED",
                "ERR_ADDRESS_UNREACHABLE", "ERR_NAME_NOT_RESOLVED", "ERR_EMPTY_RESPONSE")


class LoginSettings(BaseModel):
    """How to sign on: the form's selectors, and what shows success, failure and expiry."""

    path: str = Field(default="/login", pattern=r"^/")
    username: str
    password_secret: str = Field(description="Secret store key of the portal password")
    username_selector: str = "input[name=username]"
    password_selector: str = "input[name=password]"  # noqa: S105 (a selector, not a secret)
    submit_selector: str = "[type=submit]"
    success_selector: str = Field(description="Shown once signed on, e.g. the main menu")
    failure_selector: str = ".error"


class BrowserSettings(BaseModel):
    base_url: str = Field(pattern=r"^https?://")
    login: LoginSettings | None = None
    contexts: int = Field(default=2, ge=1, le=16, description="Pooled signed-on sessions")
    step_timeout_s: float = Field(default=5.0, gt=0)
    executable_path: str = CHROMIUM
    diagnostics_dir: Path | None = Field(default=None, description="Default: a temp folder")
    diagnostics_keep: int = Field(default=200, ge=1, description="Newest failures kept")
    record_har: Path | None = Field(default=None, description="Record every exchange here "
                                    "(one context while recording)")
    replay_har: Path | None = Field(default=None, description="Serve the portal from this HAR")


@contextmanager
def map_playwright_errors(system: str, *, redactor: Redactor | None = None,
                          replaying: bool = False) -> Iterator[None]:
    """The one place Playwright exceptions are caught and turned into the bridge error tree."""
    try:
        yield
    except PlaywrightTimeout as exc:
        raise BridgeTimeout(_message(exc, redactor), system=system) from exc
    except PlaywrightError as exc:
        message = _message(exc, redactor)
        error: BridgeError
        if replaying and "net::ERR_FAILED" in message:  # what route_from_har aborts with
            error = ReplayMiss(f"HAR has no reply for this request: {message}", system=system)
        elif any(code in message for code in _UNREACHABLE):
            error = ConnectError(f"portal unreachable: {message}", system=system)
        elif "Executable doesn't exist" in message or "Failed to launch" in message:
            error = ConfigError(f"cannot start Chromium: {message}", system=system)
        else:
            error = ProtocolError(f"browser: {message}", system=system)
        raise error from exc


def _message(exc: Exception, redactor: Redactor | None) -> str:
    # Playwright appends a multi-line call log; the first line says what went wrong.
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return redactor.text(text) if redactor else text


@dataclass
class _Session:
    context: BrowserContext
    page: Page
    signed_on: bool = False
    settled: bool = True  # the last flow ended cleanly (not failed, not cancelled)


class BrowserBridge(Bridge[PageRequest, PageResult]):
    protocol = "browser"
    settings_model = BrowserSettings
    cassette_suffix = ".har"  # a Playwright HAR, which Chromium replays by itself

    def __init__(self, system: str, settings: BrowserSettings, secrets: SecretStore) -> None:
        super().__init__(system)
        self.settings = settings
        self._secrets = secrets
        self.replaying = settings.replay_har is not None
        # Recording keeps one context so that one HAR holds the whole story in order.
        self.size = 1 if settings.record_har else settings.contexts
        self.diagnostics_dir = settings.diagnostics_dir or (
            Path(tempfile.gettempdir()) / "mainbridge-diagnostics")
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._idle: list[_Session] = []
        self._sessions: list[_Session] = []
        self._slots = asyncio.Semaphore(self.size)
        self._opening = asyncio.Lock()
        self._failures = itertools.count(1)

    @classmethod
    def cassette_config(cls, mode: Literal["record", "replay"], path: Path) -> dict[str, Any]:
        other = "replay_har" if mode == "record" else "record_har"
        return {f"{mode}_har": str(path), other: None}

    # -- secrets -------------------------------------------------------------------------
    def _password(self) -> str:
        login = self.settings.login
        if login is None:
            return ""
        if self.replaying:  # the HAR holds the masked sign-on; replay sends the same mask
            return REDACTED
        return self._secrets.get(login.password_secret).get_secret_value()

    def _redactor(self) -> Redactor:
        if self.settings.login is None or self.replaying:
            return Redactor()
        return Redactor(secret_forms(self._password()))

    def _errors(self) -> AbstractContextManager[None]:
        return map_playwright_errors(self.system, redactor=self._redactor(),
                                     replaying=self.replaying)

    # -- lifecycle -----------------------------------------------------------------------
    async def open(self) -> None:
        async with self._opening:
            if self._browser is not None:
                return
            started = time.monotonic()
            with self._errors():
                self._playwright = await async_playwright().start()
                try:
                    self._browser = await self._playwright.chromium.launch(
                        executable_path=self.settings.executable_path, headless=True)
                except BaseException:
                    await self._playwright.stop()
                    self._playwright = None
                    raise
            log.info("%s: Chromium up in %.0f ms", self.system,
                     (time.monotonic() - started) * 1000)

    async def close(self) -> None:
        """Close everything even when a part fails to close (logged): never leak Chromium."""
        async with self._opening:
            closers = [s.context.close for s in self._sessions]  # writes the HAR if recording
            if self._browser is not None:
                closers.append(self._browser.close)
            for closer in closers:
                try:
                    with self._errors():
                        await closer()
                except BridgeError as exc:
                    log.warning("%s: while closing: %s", self.system, exc)
            if self._playwright is not None:
                await self._playwright.stop()
            self._sessions.clear()
            self._idle.clear()
            self._browser = self._playwright = None
        if self.settings.record_har and self.settings.record_har.exists():
            mask_har(self.settings.record_har, self._redactor())

    async def _new_session(self) -> _Session:
        await self.open()
        assert self._browser is not None
        settings = self.settings
        with self._errors():
            context = await self._browser.new_context(
                record_har_path=settings.record_har, record_har_content="embed",
                java_script_enabled=True)
            if settings.replay_har is not None:
                if not settings.replay_har.is_file():
                    raise ConfigError(f"no HAR to replay at {settings.replay_har}",
                                      system=self.system)
                await context.route_from_har(settings.replay_har, not_found="abort")
            page = await context.new_page()
        session = _Session(context, page)
        self._sessions.append(session)
        return session

    @asynccontextmanager
    async def _lease(self) -> AsyncIterator[_Session]:
        async with self._slots:
            session = self._idle.pop() if self._idle else await self._new_session()
            try:
                yield session
            finally:
                if session.page.is_closed():
                    self._sessions.remove(session)
                    with self._errors():
                        await session.context.close()
                else:
                    self._idle.append(session)

    # -- sign-on -------------------------------------------------------------------------
    def _run(self, session: _Session, args: dict[str, str] | None = None,
             timeout_s: float | None = None) -> FlowRun:
        login = self.settings.login
        return FlowRun(session.page, self.settings.base_url, args or {},
                       timeout_s or self.settings.step_timeout_s,
                       login.path if login else None)

    async def _sign_on(self, session: _Session) -> None:
        login = self.settings.login
        if login is None:
            return
        flow = Flow("sign-on", (
            Goto(login.path), Fill(login.username_selector, login.username),
            Fill(login.password_selector, self._password()),
            Click(login.submit_selector, navigates=True)))
        run = self._run(session)
        run.sign_on_path = None  # the sign-on page is expected here
        await run.run(flow)
        page = session.page
        await run.step(WaitFor(selector=f"{login.success_selector}, {login.failure_selector}"))
        if not await page.locator(login.success_selector).count():
            raise AuthError("the portal refused the sign-on", system=self.system)
        session.signed_on = True

    # -- exchange ------------------------------------------------------------------------
    async def exchange(self, request: PageRequest) -> PageResult:
        async with self._lease() as session:
            try:
                with self._errors():
                    return await self._run_signed_on(session, request)
            except BridgeError as exc:
                await self._attach_diagnostics(exc, session, request.flow)
                raise

    async def _run_signed_on(self, session: _Session, request: PageRequest) -> PageResult:
        """Run the flow; when the portal ended our session, sign on once more and rerun it."""
        if not session.settled:
            await self._fresh_page(session)
        for attempt in (1, 2):
            session.settled = False  # until the flow ends cleanly
            if not session.signed_on:
                await self._sign_on(session)
            try:
                run = self._run(session, dict(request.args), request.flow.step_timeout_s)
                result = await run.run(request.flow)
                session.settled = True
                return result
            except SessionExpired:
                session.signed_on = False
                if attempt == 2:
                    raise AuthError("the portal ended the session again right after sign-on",
                                    system=self.system) from None
                log.info("%s: session expired, signing on again", self.system)
        raise AssertionError("unreachable")

    async def _fresh_page(self, session: _Session) -> None:
        """The last flow failed or was cancelled: its page may still be loading something
        that would interrupt our next navigation. Continue on a new page of the same context
        (the session cookie stays) and close the old one without waiting on it for long."""
        old, session.page = session.page, await session.context.new_page()
        session.settled = True
        try:
            with self._errors():
                await asyncio.wait_for(old.close(), timeout=5)
        except (BridgeError, TimeoutError) as exc:
            log.warning("%s: an abandoned page did not close: %r", self.system, exc)

    async def _attach_diagnostics(self, exc: BridgeError, session: _Session, flow: Flow) -> None:
        """Save a screenshot and the HTML (top page and frames), secrets masked; name them in
        the error. Best effort: a page too broken to capture must not hide the real error."""
        page = session.page
        if page.is_closed():
            return
        stem = f"{self.system}-{flow.name}-{time.strftime('%Y%m%dT%H%M%S')}-" \
               f"{next(self._failures)}"
        html_path = self.diagnostics_dir / f"{stem}.html"
        parts = []
        for frame in page.frames:  # the top page first, then its frames
            try:
                with self._errors():
                    parts.append(f"<!-- frame {frame.name!r} {frame.url} -->\n"
                                 f"{await frame.content()}")
            except BridgeError as missing:  # e.g. still navigating when the flow failed
                parts.append(f"<!-- frame {frame.name!r} {frame.url}: {missing.message} -->")
        try:
            self.diagnostics_dir.mkdir(parents=True, exist_ok=True)
            html_path.write_text(self._redactor().text("\n".join(parts)), encoding="utf-8")
            with self._errors():
                await page.screenshot(path=html_path.with_suffix(".png"), timeout=5000,
                                      mask=[page.locator("input[type=password]")])
        except (BridgeError, OSError) as capture:
            log.warning("%s: diagnostics incomplete: %s", self.system, capture)
        if not html_path.exists():
            return
        try:
            self._prune_diagnostics()
        except OSError as prune:
            log.warning("%s: could not prune diagnostics: %s", self.system, prune)
        exc.detail["diagnostics"] = str(html_path)
        exc.message = f"{exc.message} [diagnostics: {html_path.with_suffix('.*')}]"
        exc.args = (exc.message,)

    def _prune_diagnostics(self) -> None:
        """Keep the newest `diagnostics_keep` failures of this system: a portal that fails
        all night must not fill the disk."""
        saved = sorted(self.diagnostics_dir.glob(f"{self.system}-*.html"),
                       key=lambda p: p.stat().st_mtime, reverse=True)
        for old in saved[self.settings.diagnostics_keep:]:
            old.unlink(missing_ok=True)
            old.with_suffix(".png").unlink(missing_ok=True)
