"""Page flows as data: goto, fill, select, click, wait, extract; run on one Playwright page.

A flow is a tuple of steps. Values typed into the portal come from the call's arguments by
name (`Arg("customer_id")`), never by string templating, and URLs are fixed paths: agent text
reaches the portal only as the value of a form field. Behaviour that data cannot say is a
`Hook`: an async Python function given the running flow.

Each step may act inside a named frame (`frame="content"`) and has its own timeout. The
runner notices the portal's sign-on form where a page was expected and raises
`SessionExpired`, so the bridge can sign on again and rerun the flow.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from playwright.async_api import Frame, Locator, Page, Response

from bridges.errors import BridgeError, ConfigError, MappingError, ProtocolError, RemoteFault

Records = list[dict[str, str]]


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
class ExtractField(Step):
    name: str
    selector: str
    required: bool = True  # absent and required: MappingError; absent otherwise: None


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
    """End the flow early, successfully, when `selector` is on the page (an error message
    the tool's hook turns into NotFound, a "no results" panel...)."""

    selector: str


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
                 step_timeout_s: float, expired_selector: str | None) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.args = args
        self.step_timeout_s = step_timeout_s
        self.expired_selector = expired_selector
        self.result = PageResult()

    def frame(self, name: str | None) -> Page | Frame:
        if name is None:
            return self.page
        found = self.page.frame(name=name)
        if found is None:
            raise ProtocolError(f"the page has no frame named {name!r}")
        return found

    def value(self, value: Value) -> str:
        if isinstance(value, Arg):
            try:
                return self.args[value.name]
            except KeyError:
                raise ConfigError(f"flow needs argument {value.name!r}") from None
        return value

    def ms(self, step: Step) -> float:
        return (step.timeout_s or self.step_timeout_s) * 1000

    async def run(self, flow: Flow) -> PageResult:
        for step in flow.steps:
            if isinstance(step, StopIf):
                if await self.frame(step.frame).locator(step.selector).count():
                    break
                continue
            await self.step(step)
        return self.result

    async def check_signed_in(self, where: Page | Frame) -> None:
        if self.expired_selector and await where.locator(self.expired_selector).count():
            raise SessionExpired("the portal asked to sign on again")

    async def step(self, step: Step) -> None:
        where = self.frame(step.frame)
        timeout = self.ms(step)
        if isinstance(step, Goto):
            response = await where.goto(self.base_url + step.path, timeout=timeout)
            check_response(response, step.path)
            await self.check_signed_in(where)
        elif isinstance(step, Fill):
            await where.locator(step.selector).fill(self.value(step.value), timeout=timeout)
        elif isinstance(step, Select):
            await where.locator(step.selector).select_option(self.value(step.value),
                                                             timeout=timeout)
        elif isinstance(step, Click):
            await self.click(step, where, timeout)
        elif isinstance(step, WaitFor):
            await self.wait(step, where, timeout)
        elif isinstance(step, ExtractField):
            self.result.fields[step.name] = await self.field(step, where, timeout)
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
        target = self.frame(step.target) if step.target else where
        async with target.expect_navigation(timeout=timeout) as navigation:
            await where.locator(step.selector).click(timeout=timeout)
        check_response(await navigation.value, step.selector)
        await self.check_signed_in(target)

    async def wait(self, step: WaitFor, where: Page | Frame, timeout: float) -> None:
        target: Locator = (where.locator(step.selector) if step.selector is not None
                           else where.get_by_text(step.text or ""))
        if self.expired_selector:  # do not wait out the timeout on a sign-on page
            target = target.or_(where.locator(self.expired_selector))
        await target.first.wait_for(timeout=timeout)
        await self.check_signed_in(where)

    async def field(self, step: ExtractField, where: Page | Frame, timeout: float) -> (
        str | None
    ):
        found = where.locator(step.selector)
        if not await found.count():
            if step.required:
                raise MappingError(f"field {step.name!r} ({step.selector}) is not on the page")
            return None
        text: str = await found.first.inner_text(timeout=timeout)
        return " ".join(text.split())

    async def table(self, step: ExtractTable, where: Page | Frame, timeout: float) -> Records:
        records: Records = []
        for _ in range(step.max_pages):
            cells: list[list[str]] = await where.locator(step.selector).first.evaluate(
                _TABLE_JS, timeout=timeout)
            records.extend(self.records(step, cells))
            pager = where.locator(step.next_page) if step.next_page else None
            if pager is None or not await pager.count():
                return records
            async with where.expect_navigation(timeout=timeout) as navigation:
                await pager.first.click(timeout=timeout)
            check_response(await navigation.value, f"{step.name} next page")
            await self.check_signed_in(where)
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
