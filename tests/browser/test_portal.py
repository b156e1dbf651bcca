"""The loans portal emulator over plain HTTP: sign-on, __VIEWSTATE, Latin-1, faults."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from emulators.web import LoansPortal

VIEWSTATE = re.compile(r'name="__VIEWSTATE" id="__VIEWSTATE" value="([^"]+)"')


def viewstate(response: httpx.Response) -> str:
    match = VIEWSTATE.search(response.text)
    assert match, "page carries no __VIEWSTATE"
    return match.group(1)


@pytest.fixture
def client(portal: LoansPortal) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=portal.url) as http:
        yield http


def sign_on(client: httpx.Client, password: str) -> httpx.Response:
    token = viewstate(client.get("/login"))
    return client.post("/login", data={"__VIEWSTATE": token, "username": "loanofficer",
                                       "password": password})


def test_pages_need_a_session(client: httpx.Client) -> None:
    response = client.get("/app/loans")
    assert response.status_code == 302
    assert response.headers["location"] == "/login?expired=1"


def test_wrong_password_is_refused(client: httpx.Client) -> None:
    response = sign_on(client, "not-the-password")
    assert response.status_code == 200
    assert "INVALID USER OR PASSWORD" in response.text
    assert "LMSESSIONID" not in response.cookies


def test_viewstate_must_round_trip(client: httpx.Client, portal: LoansPortal) -> None:
    assert sign_on(client, portal.password).status_code == 302
    token = viewstate(client.get("/app/loans"))
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    refused = client.post("/app/loans", data={"__VIEWSTATE": forged, "custid": "C000001"})
    assert refused.status_code == 400
    assert "INVALID PAGE STATE" in refused.text
    ok = client.post("/app/loans", data={"__VIEWSTATE": token, "custid": "C000001"})
    assert ok.status_code == 200 and "L0000001" in ok.text


def test_pages_are_latin1(client: httpx.Client, portal: LoansPortal) -> None:
    sign_on(client, portal.password)
    token = viewstate(client.get("/app/loans"))
    page = client.post("/app/loans", data={"__VIEWSTATE": token, "custid": "C000013"})
    assert page.headers["content-type"] == "text/html; charset=ISO-8859-1"
    assert b"Marta J\xf8rgensen" in page.content  # one byte per letter, not UTF-8's two


def test_http_500_fault(client: httpx.Client, portal: LoansPortal) -> None:
    portal.faults.fail_next = 1
    try:
        assert client.get("/login").status_code == 500
        assert client.get("/login").status_code == 200
    finally:
        portal.faults.fail_next = 0
