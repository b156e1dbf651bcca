"""The TN3270 host: an asyncio server on 127.0.0.1 with per-test fault injection."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import string
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulators.dataset import BankDataset, fixtures_dir
from emulators.tn3270.app import Screen, Session, User, error
from emulators.tn3270.bank import Bank
from emulators.tn3270.codec import Ebcdic
from emulators.tn3270.datastream import (
    CODES,
    ERASE_WRITE,
    ERASE_WRITE_ALTERNATE,
    WCC_RESET,
    WCC_RESET_MDT,
    WCC_RESTORE,
    WRITE,
    InboundError,
    Writer,
    parse_inbound,
)
from emulators.tn3270.maps import ScreenMap, load_maps
from emulators.tn3270.telnet import TelnetStream

log = logging.getLogger("mainbridge.emulators.tn3270")
GARBAGE = bytes([0xF5, 0xC3, 0x11, 0xFF, 0xFF, 0x3C, 0x2B, 0x07, 0x99, 0x00, 0x13, 0x1D])


@dataclass
class Faults:
    """Switch on per test; counters count down once per screen the host sends."""

    latency_s: float = 0.0  # before every reply
    lock_keyboard_s: float = 0.0  # send screens keyboard-locked, unlock after this long
    drop_next: int = 0  # close the connection instead of answering the next N keys
    garbage_next: int = 0  # answer the next N keys with bytes that are not a 3270 record
    expire_next: int = 0  # answer the next N keys with "session expired"
    abend_next: int = 0  # answer the next N keys after sign-on with a CICS abend (code ASRA)


def new_password() -> str:
    """An 8-character CICS-style password (upper case and digits)."""
    alphabet = string.ascii_uppercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(8))


class Tn3270Host:
    """Serve the core banking screens; `with host:` runs it in a background thread."""

    def __init__(self, dataset: BankDataset | None = None, *, codepage: str = "cp037",
                 users: dict[str, User] | None = None, session_timeout_s: float = 900.0,
                 maps: Path | None = None, tn3270e: bool = True) -> None:
        self.bank = Bank(dataset)
        self.codec = Ebcdic(codepage)
        self.codepage = codepage
        self.users = users or {"MBRIDGE": User(new_password()),
                               "VIEWER": User(new_password(), can_hold=False)}
        self.session_timeout_s = session_timeout_s
        self.tn3270e = tn3270e
        self.modes: list[str] = []  # "tn3270e" or "tn3270" per connection, for tests
        self.maps: dict[str, ScreenMap] = load_maps(maps or fixtures_dir() / "tn3270"
                                                    / "screens.toml")
        self.faults = Faults()
        self.port = 0
        self.sessions = 0  # connected terminals, for tests
        self.terminal_types: list[str] = []
        self._server: asyncio.AbstractServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def password(self) -> str:
        """The password of the default user, MBRIDGE."""
        return self.users["MBRIDGE"].password

    @property
    def host_string(self) -> str:
        return f"127.0.0.1:{self.port}"

    @contextlib.contextmanager
    def inject(self, **faults: Any) -> Iterator[Faults]:
        """Faults switched on for the `with` block only."""
        previous = self.faults
        self.faults = Faults(**faults)
        try:
            yield self.faults
        finally:
            self.faults = previous

    # -- the wire ------------------------------------------------------------------------
    def _record(self, screen: Screen, rows: int, locked: bool) -> bytes:
        command = ERASE_WRITE_ALTERNATE if rows > 24 else ERASE_WRITE
        wcc = WCC_RESET | WCC_RESET_MDT | (0 if locked else WCC_RESTORE)
        writer = Writer(self.codec.encode, 80, command, wcc)
        self.maps[screen.map].render(writer, screen.values, screen.cursor)
        return bytes(writer.buf)

    async def _send(self, telnet: TelnetStream, screen: Screen, rows: int) -> None:
        faults = self.faults
        if faults.latency_s:
            await asyncio.sleep(faults.latency_s)
        locked = faults.lock_keyboard_s > 0
        telnet.write_record(self._record(screen, rows, locked))
        await telnet.writer.drain()
        if locked:
            await asyncio.sleep(faults.lock_keyboard_s)
            telnet.write_record(bytes([WRITE, CODES[WCC_RESTORE]]))
            await telnet.writer.drain()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        telnet = TelnetStream(reader, writer)
        self._writers.add(writer)
        self.sessions += 1
        try:
            terminal = await asyncio.wait_for(telnet.negotiate(self.tn3270e), timeout=10)
            self.terminal_types.append(terminal)
            self.modes.append("tn3270e" if telnet.tn3270e else "tn3270")
            rows = 43 if "-4" in terminal else 24  # model 4: 43x80 through Erase/Write Alt.
            session = Session(self.bank, self.users)
            screen: Screen | None = session.first()
            last = time.monotonic()
            while screen is not None:
                await self._send(telnet, screen, rows)
                record = await telnet.read_record()
                screen = await self._answer(telnet, session, record, last)
                last = time.monotonic()
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError) as exc:
            log.debug("terminal gone: %s", exc)
        finally:
            self.sessions -= 1
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(self, telnet: TelnetStream, session: Session, record: bytes,
                      last: float) -> Screen | None:
        faults = self.faults
        if faults.drop_next > 0:
            faults.drop_next -= 1
            raise ConnectionResetError("fault injection: dropped")
        if faults.garbage_next > 0:
            faults.garbage_next -= 1
            telnet.write_record(GARBAGE)
            return await self._answer(telnet, session, await telnet.read_record(), last)
        try:
            inbound = parse_inbound(record)
        except InboundError as exc:
            log.debug("bad inbound record: %s", exc)
            return Screen(session.state, {"message": "INVALID INPUT"})  # state = its map
        if faults.expire_next > 0 or (session.state != "signon"
                                      and time.monotonic() - last > self.session_timeout_s):
            faults.expire_next = max(0, faults.expire_next - 1)
            return session.expire()
        if faults.abend_next > 0 and session.state != "signon":
            faults.abend_next -= 1
            return error("ASRA", "TRANSACTION ABENDED - PROGRAM CHECK")
        current = self.maps[session.state]
        return session.handle(inbound.aid, current.read(inbound.fields, self.codec.decode))

    def disconnect_all(self) -> None:
        """Close every terminal connection (an outage, as the pool's health check sees it)."""
        assert self._loop is not None
        for writer in list(self._writers):
            self._loop.call_soon_threadsafe(writer.close)

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self, port: int = 0) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):  # each session's read then ends, cleanly
                writer.close()
            await self._server.wait_closed()

    def __enter__(self) -> Tn3270Host:
        loop = asyncio.new_event_loop()
        self._loop = loop
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start())
            started.set()
            loop.run_forever()

        self._thread = threading.Thread(target=run, name="tn3270-host", daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("TN3270 host did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._thread is not None
        asyncio.run_coroutine_threadsafe(self.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
