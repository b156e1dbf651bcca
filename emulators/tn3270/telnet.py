"""Telnet for TN3270, host side: option negotiation and IAC EOR record framing."""

from __future__ import annotations

import asyncio
from collections import deque

IAC, SE, SB, WILL, WONT, DO, DONT, EOR_MARK = 255, 240, 250, 251, 252, 253, 254, 239
BINARY, TERMINAL_TYPE, EOR = 0, 24, 25
IS, SEND = 0, 1


class NegotiationError(ConnectionError):
    """The client refused an option TN3270 needs, or spoke something else."""


class TelnetStream:
    """Parses the client's byte stream into option commands and 3270 records."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.records: deque[bytes] = deque()
        self.commands: deque[tuple[int, int, bytes]] = deque()  # (verb, option, sb payload)
        self._record = bytearray()
        self._pending = b""

    def send_raw(self, data: bytes) -> None:
        self.writer.write(data)

    def write_record(self, data: bytes) -> None:
        self.writer.write(data.replace(b"\xff", b"\xff\xff") + bytes([IAC, EOR_MARK]))

    async def _pump(self) -> None:
        chunk = await self.reader.read(65536)
        if not chunk:
            raise ConnectionResetError("client closed the connection")
        self._parse(self._pending + chunk)

    def _parse(self, data: bytes) -> None:
        i, n = 0, len(data)
        while i < n:
            byte = data[i]
            if byte != IAC:
                self._record.append(byte)
                i += 1
                continue
            if i + 1 >= n:
                break
            verb = data[i + 1]
            if verb == IAC:
                self._record.append(IAC)
                i += 2
            elif verb == EOR_MARK:
                self.records.append(bytes(self._record))
                self._record.clear()
                i += 2
            elif verb in (WILL, WONT, DO, DONT):
                if i + 2 >= n:
                    break
                self.commands.append((verb, data[i + 2], b""))
                i += 3
            elif verb == SB:
                end = data.find(bytes([IAC, SE]), i + 2)
                if end < 0:
                    break
                payload = data[i + 2:end]
                self.commands.append((SB, payload[0] if payload else -1, payload[1:]))
                i = end + 2
            else:  # NOP, AYT and friends: nothing to do for a 3270 host
                i += 2
        self._pending = data[i:]

    async def _command(self) -> tuple[int, int, bytes]:
        while not self.commands:
            await self._pump()
        return self.commands.popleft()

    async def negotiate(self) -> str:
        """DO TERMINAL-TYPE, ask for it, then EOR and BINARY both ways. Returns the type."""
        self.send_raw(bytes([IAC, DO, TERMINAL_TYPE]))
        verb, option, _ = await self._command()
        if (verb, option) != (WILL, TERMINAL_TYPE):
            raise NegotiationError("client will not send its terminal type")
        self.send_raw(bytes([IAC, SB, TERMINAL_TYPE, SEND, IAC, SE]))
        terminal = ""
        while not terminal:
            verb, option, payload = await self._command()
            if verb == SB and option == TERMINAL_TYPE and payload[:1] == bytes([IS]):
                terminal = payload[1:].decode("ascii", "replace")
        self.send_raw(bytes([IAC, DO, EOR, IAC, WILL, EOR, IAC, DO, BINARY, IAC, WILL, BINARY]))
        wanted = {(WILL, EOR), (WILL, BINARY), (DO, EOR), (DO, BINARY)}
        while wanted:
            verb, option, _ = await self._command()
            if verb in (WONT, DONT) and option in (EOR, BINARY):
                raise NegotiationError("client refused binary or end-of-record mode")
            wanted.discard((verb, option))
        return terminal

    async def read_record(self) -> bytes:
        while not self.records:
            await self._pump()
        return self.records.popleft()
