"""Page flows as data: goto, fill, select, click, wait, extract; run on one Playwright page.

A flow is a tuple of steps. Values typed into the portal come from the call's arguments by
name (`Arg("customer_id")`), never by string templating, and URLs are fixed paths: agent text
reaches the portal only as the value of a form field. Behaviour that data cannot say is a
`Hook`: an async Python function given the running flow.

Each step may act inside a named frame (`frame="content"`) and has its own timeout. The
runner notices when a navigation lands on the portal's sign-on page and raises
`SessionExpired`, so the bridge can sign on again and rerun the flow. Steps are lean on
browser round trips (each costs milliseconds): fields are read in one evaluation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from playwright.async_api import Frame, Locator, Page, Response

from bridges.errors import BridgeError, ConfigError, MappingError, ProtocolError, RemoteFault

Records = list[dict[str, str]]
# A navigation is done when the document is parsed; later steps wait for what they need
# themselves, so nobody waits for every frame's "load" (images, the other frames).
READY: Literal["domcontentloaded"] = "domcontentloaded"


class SessionExpired(BridgeError):
    """The portal showed its sign-on form mid-flow: our session is gone."""

    retriable = True


@dataclass(frozen=True)
class Arg:
    """A value taken from the call's arguments by name."""

    name: str


Value = str | Arg


@dataclass(frozen=True, kw_only=True)
class Step:
    frame: str | None = None  # the named frame the step acts in; None is the top page
    timeout_s: float | None = None  # None: the flow's step timeout


@dataclass(frozen=True)
class Goto(Step):
    path: str  # fixed, relative to the portal's base URL
    stay: bool = False  # already there: do not reload (a shell page that keeps no state)

    def __post_init__(self) -> None:
        if not self.path.startswith("/"):
            raise ConfigError(f"Goto path must start with '/': {self.path!r}")


@dataclass(frozen=True)
class Fill(Step):
    selector: str
    value: Value


@dataclass(frozen=True)
class Select(Step):
    selector: str
    value: Value  # the option's value attribute


@dataclass(frozen=True)
class Click(Step):
    selector: str
    navigates: bool = False  # wait for the navigation the click starts, check its status
    target: str | None = None  # the frame that navigates (JavaScript may load another frame)


@dataclass(frozen=True)
class WaitFor(Step):
    selector: str | None = None  # a CSS list ("#loans, #error") waits for the first to show
    text: str | None = None

    def __post_init__(self) -> None:
        if (self.selector is None) == (self.text is None):
            raise ConfigError("WaitFor needs exactly one of selector or text")


@dataclass(frozen=True)
class ExtractFields(Step):
    """The text of several elements (field name -> CSS selector), read in one round trip."""

    selectors: Mapping[str, str]
    required: bool = True  # absent and required: MappingError; absent otherwise: None


def ExtractField(name: str, selector: str, *, required: bool = True,
                 frame: str | None = None, timeout_s: float | None = None) -> ExtractFields:
    """One field: an ExtractFields of one."""
    return ExtractFields({name: selector}, required=required, frame=frame, timeout_s=timeout_s)


@dataclass(frozen=True)
class ExtractTable(Step):
    """Rows of an HTML table as records. The header row must read exactly `columns`
    (field -> header text, in order): a moved or renamed column is a MappingError, never
    silently shifted data. `next_page` follows a pager until it disappears."""

    name: str
    selector: str
    columns: Mapping[str, str]
    next_page: str | None = None
    max_pages: int = 20
    required: bool = True  # absent and not required: no entry in the result


@dataclass(frozen=True)
class StopIf(Step):
    """End the flow early, successfully, when an extracted field has text (an error message
    the tool's hook turns into NotFound, a "no results" panel...)."""

    field: str


@dataclass(frozen=True)
class Hook(Step):
    function: Callable[[FlowRun], Awaitable[None]]


@dataclass(frozen=True)
class Flow:
    name: str
    steps: tuple[Step, ...]
    step_timeout_s: float | None = None  # None: the bridge's default


@dataclass
class PageResult:
    fields: dict[str, str | None] = field(default_factory=dict)
    tables: dict[str, Records] = field(default_factory=dict)


@dataclass(frozen=True)
class PageRequest:
    flow: Flow
    args: Mapping[str, str] = field(default_factory=dict)


_FIELDS_JS = ("s => Object.fromEntries(Object.entries(s).map(([k, q]) => {"
              " const e = document.querySelector(q);"
              " return [k, e ? (e.innerText || '').replace(/\\s+/g, ' ').trim() : null]; }))")
_TABLE_JS = ("t => Array.from(t.rows).map(r => Array.from(r.cells).map("
             "c => (c.innerText || '').replace(/\\s+/g, ' ').trim()))")


def check_response(response: Response | None, what: str) -> None:
    """A server error page is not data: 5xx may pass if repeated, 4xx is the portal's no."""
    if response is None or response.status < 400:
        return
    message = f"portal answered HTTP {response.status} to {what}"
    if response.status >= 500:
        raise ProtocolError(message)
    raise RemoteFault(message, code=str(response.status))


class FlowRun:
    """One flow running on one page: the state hooks see and the steps fill in."""

    def __init__(self, page: Page, base_url: str, args: Mapping[str, str],
                 step_timeout_s: float, sign_on_path: str | None) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.args = args
        self.step_timeout_s = step_timeout_s
        self.sign_on_path = sign_on_path
        self.result = PageResult()

    async def frame(self, name: str | None, timeout: float) -> Page | Frame:
        if name is None:
            return self.page
        found = self.page.frame(name=name)
        if found is None:  # parsed but not attached yet: wait for the element, then its frame
            element = await self.page.wait_for_selector(
                f'iframe[name="{name}"], frame[name="{name}"]', timeout=timeout)
            found = await element.content_frame() if element else None
        if found is None:
            raise ProtocolError(f"the page has no frame named {name!r}")
        return found

    def value(self, value: Value) -> str:
        if not isinstance(value, Arg):
            return value
        try:
            text = self.args[value.name]
        except KeyError:
            raise ConfigError(f"flow needs argument {value.name!r}") from None
        # Defence in depth: tools validate their arguments; a form field never needs these.
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
            raise ConfigError(f"argument {value.name!r} holds control characters")
        return text

    def ms(self, step: Step) -> float:
        return (step.timeout_s or self.step_timeout_s) * 1000

    async def run(self, flow: Flow) -> PageResult:
        for step in flow.steps:
            if isinstance(step, StopIf):
                if self.result.fields.get(step.field):
                    break
                continue
            await self.step(step)
        return self.result

    def arrived(self, response: Response | None, what: str) -> None:
        """Check where a navigation landed: an error status, or the sign-on page."""
        check_response(response, what)
        if self.sign_on_path and response is not None and \
                urlsplit(response.url).path == self.sign_on_path:
            raise SessionExpired("the portal asked to sign on again")

    async def step(self, step: Step) -> None:
        timeout = self.ms(step)
        where = await self.frame(step.frame, timeout)
        if isinstance(step, Goto):
            url = self.base_url + step.path
            if not (step.stay and where.url == url):
                self.arrived(await where.goto(url, timeout=timeout, wait_until=READY),
                             step.path)
        elif isinstance(step, Fill):
            await where.locator(step.selector).fill(self.value(step.value), timeout=timeout)
        elif isinstance(step, Select):
            await where.locator(step.selector).select_option(self.value(step.value),
                                                             timeout=timeout)
        elif isinstance(step, Click):
            await self.click(step, where, timeout)
        elif isinstance(step, WaitFor):
            await self.wait(step, where, timeout)
        elif isinstance(step, ExtractFields):
            self.result.fields.update(await self.fields(step, where))
        elif isinstance(step, ExtractTable):
            if step.required or await where.locator(step.selector).count():
                self.result.tables[step.name] = await self.table(step, where, timeout)
        elif isinstance(step, Hook):
            await step.function(self)
        else:
            raise ConfigError(f"unknown flow step {type(step).__name__}")

    async def click(self, step: Click, where: Page | Frame, timeout: float) -> None:
        if not step.navigates:
            await where.locator(step.selector).click(timeout=timeout)
            return
        target = await self.frame(step.target, timeout) if step.target else where
        async with target.expect_navigation(timeout=timeout, wait_until=READY) as navigation:
            await where.locator(step.selector).click(timeout=timeout)
        self.arrived(await navigation.value, step.selector)

    async def wait(self, step: WaitFor, where: Page | Frame, timeout: float) -> None:
        target: Locator = (where.locator(step.selector) if step.selector is not None
                           else where.get_by_text(step.text or ""))
        await target.first.wait_for(timeout=timeout)

    async def fields(self, step: ExtractFields, where: Page | Frame) -> dict[str, str | None]:
        found: dict[str, str | None] = await where.evaluate(_FIELDS_JS, dict(step.selectors))
        missing = [name for name, text in found.items() if text is None]
        if step.required and missing:
            raise MappingError(f"fields {missing} are not on the page "
                               f"({', '.join(step.selectors[n] for n in missing)})")
        return found

    async def table(self, step: ExtractTable, where: Page | Frame, timeout: float) -> Records:
        records: Records = []
        for _ in range(step.max_pages):
            cells: list[list[str]] = await where.locator(step.selector).first.evaluate(
                _TABLE_JS, timeout=timeout)
            records.extend(self.records(step, cells))
            pager = where.locator(step.next_page) if step.next_page else None
            if pager is None or not await pager.count():
                return records
            async with where.expect_navigation(timeout=timeout, wait_until=READY) as navigation:
                await pager.first.click(timeout=timeout)
            self.arrived(await navigation.value, f"{step.name} next page")
        raise ProtocolError(f"table {step.name!r} has more than {step.max_pages} pages")

    @staticmethod
    def records(step: ExtractTable, cells: list[list[str]]) -> Records:
        expected = list(step.columns.values())
        if not cells or cells[0] != expected:
            found = cells[0] if cells else []
            raise MappingError(f"table {step.name!r} changed layout: expected columns "
                               f"{expected}, found {found}")
        keys = list(step.columns)
        rows = []
        for number, row in enumerate(cells[1:], start=1):
            if len(row) != len(keys):
                raise MappingError(f"table {step.name!r} row {number} has {len(row)} cells, "
                                   f"expected {len(keys)}")
            rows.append(dict(zip(keys, row, strict=True)))
        return rows
