"""Independent peers: tnz (a second client) against our host, our bridge against Hercules."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import tnz.tnz as tnz

from bridges.tn3270.terminal import Terminal
from emulators.tn3270 import Tn3270Host
from tests.tn3270.conftest import expected_ledger


def wait_for(session: tnz.Tnz, text: str, timeout_s: float = 10) -> str:
    deadline = time.monotonic() + timeout_s
    while text not in session.scrstr():
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never appeared:\n{session.scrstr()}")
        session.wait(0.2)
    screen: str = session.scrstr()
    return screen


def test_tnz_signs_on_and_reads_the_same_balance(host: Tn3270Host) -> None:
    session = tnz.connect("127.0.0.1", host.port, secure=False)
    try:
        wait_for(session, "MBSIGN")
        session.key_data("MBRIDGE")
        session.key_tab()
        session.key_data(host.password)
        session.enter()
        wait_for(session, "MBMENU")
        session.key_data("1")
        session.enter()
        wait_for(session, "MBINQ")
        session.key_data("1000000001")
        session.enter()
        screen = wait_for(session, "John Doe")
    finally:
        session.shutdown()
    ledger = expected_ledger("1000000001")
    shown = f"{abs(ledger):,.2f}" + ("-" if ledger < 0 else "")
    assert f"Ledger balance :  {shown.rjust(16)}" in screen.replace("\n", " ")
    assert "John Doe" in screen and "-" * 78 in screen  # the rule, sent as Repeat to Address


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def hercules(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    config = tmp_path / "hercules.cnf"
    config.write_text(f"CPUSERIAL 000001\nCPUMODEL 3090\nMAINSIZE 16\nNUMCPU 1\n"
                      f"CNSLPORT 127.0.0.1:{port}\n0010 3270\n")
    proc = subprocess.Popen(["hercules", "-f", str(config), "-d"], cwd=tmp_path,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("hercules did not start") from None
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()  # SIGTERM sometimes hangs after a terminal session: then SIGKILL
        try:
            proc.wait(1)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.mark.slow
def test_bridge_terminal_reads_the_hercules_logo(hercules: int) -> None:
    terminal = Terminal("hercules")
    try:
        terminal.connect("127.0.0.1", hercules, 10.0)
        deadline = time.monotonic() + 10
        screen = terminal.read()
        while "Hercules" not in "\n".join(screen.rows) and time.monotonic() < deadline:
            time.sleep(0.05)
            screen = terminal.read()
    finally:
        terminal.close()
    text = "\n".join(screen.rows)
    assert "Hercules" in text and len(screen.rows) == 24
