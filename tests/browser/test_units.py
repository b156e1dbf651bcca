"""Browser bridge pieces that need no browser: table validation, HAR masking, settings."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from adapters.kit.browser import dmy_date, legacy_decimal
from bridges.browser import BrowserBridge, map_playwright_errors
from bridges.errors import (
    BridgeError,
    BridgeTimeout,
    ConfigError,
    ConnectError,
    MappingError,
    ProtocolError,
)
from bridges.har import form_encoded, mask_har, secret_forms
from bridges.pageflow import ExtractTable, FlowRun, Goto, WaitFor
from bridges.recording import Redactor, ReplayMiss
from bridges.secrets import MemorySecretStore

TABLE = ExtractTable("loans", "#loans", {"id": "Loan No.", "amount": "Principal"})


def test_table_records_follow_declared_headers() -> None:
    rows = FlowRun.records(TABLE, [["Loan No.", "Principal"], ["L1", "1,000.00"]])
    assert rows == [{"id": "L1", "amount": "1,000.00"}]


def test_moved_column_is_a_mapping_error() -> None:
    with pytest.raises(MappingError, match="changed layout"):
        FlowRun.records(TABLE, [["Principal", "Loan No."], ["1,000.00", "L1"]])


def test_short_row_is_a_mapping_error() -> None:
    with pytest.raises(MappingError, match="row 1 has 1 cells"):
        FlowRun.records(TABLE, [["Loan No.", "Principal"], ["L1"]])


def test_legacy_parsers_refuse_to_guess() -> None:
    assert str(legacy_decimal("31,378.90", "x")) == "31378.90"
    assert dmy_date("07/01/2024", "x").isoformat() == "2024-01-07"
    with pytest.raises(MappingError):
        legacy_decimal("31.378,90 EUR", "x")
    with pytest.raises(MappingError):
        dmy_date("2024-01-07", "x")


def test_flow_steps_validate_themselves() -> None:
    with pytest.raises(ConfigError):
        Goto("http://elsewhere.example/")
    with pytest.raises(ConfigError):
        WaitFor()


def test_form_encoding_matches_browsers() -> None:
    assert form_encoded("a b*c-d._~é") == "a+b*c-d._%7E%E9"
    assert "p%40ss+w%F6rd" in secret_forms("p@ss wörd")  # the portal's charset: Latin-1


def test_har_masking(tmp_path: Path) -> None:
    har = tmp_path / "x.har"
    har.write_text(json.dumps({"log": {"entries": [{
        "request": {"headers": [{"name": "Cookie", "value": "LMSESSIONID=abc"}],
                    "cookies": [{"name": "LMSESSIONID", "value": "abc"}],
                    "postData": {"text": "username=u&password=s3cr%21t",
                                 "params": [{"name": "password", "value": "s3cr!t"}]}},
        "response": {"headers": [{"name": "Set-Cookie", "value": "LMSESSIONID=abc"}],
                     "content": {"text": "<p>hello</p>"}}}]}}))
    mask_har(har, Redactor(secret_forms("s3cr!t")))
    text = har.read_text()
    assert "s3cr" not in text and "abc" not in text
    entry = json.loads(text)["log"]["entries"][0]
    assert entry["request"]["postData"]["text"] == "username=u&password=***"
    assert entry["response"]["content"]["text"] == "<p>hello</p>"


def test_bad_settings_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="invalid browser settings"):
        BrowserBridge.from_config("loans", {"base_url": "ftp://x"}, MemorySecretStore())


async def test_old_diagnostics_are_pruned(tmp_path: Path) -> None:
    bridge = BrowserBridge.from_config("loans", {
        "base_url": "http://127.0.0.1:9", "diagnostics_dir": str(tmp_path),
        "diagnostics_keep": 2}, MemorySecretStore())
    for n in range(4):
        (tmp_path / f"loans-x-{n}.html").write_text("x")
        (tmp_path / f"loans-x-{n}.png").write_text("x")
        os.utime(tmp_path / f"loans-x-{n}.html", (n, n))
    (tmp_path / "other-x-0.html").write_text("another system's")
    bridge._prune_diagnostics()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "loans-x-2.html", "loans-x-2.png", "loans-x-3.html", "loans-x-3.png", "other-x-0.html"]


@pytest.mark.parametrize(("raised", "replaying", "expected"), [
    (PlaywrightTimeout("Locator.click: Timeout 500ms exceeded.\nCall log: ..."), False,
     BridgeTimeout),
    (PlaywrightError("Page.goto: net::ERR_CONNECTION_REFUSED at http://127.0.0.1:9/"), False,
     ConnectError),
    (PlaywrightError("Page.goto: net::ERR_FAILED"), True, ReplayMiss),
    (PlaywrightError("BrowserType.launch: Executable doesn't exist at /x"), False, ConfigError),
    (PlaywrightError("Frame was detached"), False, ProtocolError),
])
def test_playwright_errors_map_to_the_tree(raised: Exception, replaying: bool,
                                           expected: type[BridgeError]) -> None:
    with pytest.raises(expected) as caught, map_playwright_errors("loans", replaying=replaying):
        raise raised
    assert type(caught.value) is expected and caught.value.system == "loans"
    assert "Call log" not in caught.value.message  # only the first line of Playwright's text


def test_mapped_messages_mask_secrets() -> None:
    with pytest.raises(ProtocolError) as caught, map_playwright_errors(
            "loans", redactor=Redactor(secret_forms("hunter 2!"))):
        raise PlaywrightError("fill failed for value hunter+2%21")
    assert "hunter" not in caught.value.message and "***" in caught.value.message
