"""Telnet for TN3270, host side: option negotiation and IAC EOR record framing."""

from __future__ import annotations

import asyncio
from collections import deque

IAC, SE, SB, WILL, WONT, DO, DONT, EOR_MARK = 255, 240, 250, 251, 252, 253, 254, 239
BINARY, TERMINAL_TYPE, EOR, TN3270E = 0, 24, 25, 40
IS, SEND = 0, 1
# TN3270E (RFC 2355) sub-negotiation codes.
E_CONNECT, E_DEVICE_TYPE, E_FUNCTIONS, E_IS, E_REQUEST, E_SEND = 1, 2, 3, 4, 7, 8
E_3270_DATA = 0
LU_NAME = b"MBLU0001"


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
        self.tn3270e = False  # records carry the 5-byte TN3270E header
        self._sequence = 0

    def send_raw(self, data: bytes) -> None:
        self.writer.write(data)

    def write_record(self, data: bytes) -> None:
        if self.tn3270e:  # 3270-DATA, no request flags, no response wanted, sequence number
            data = bytes([E_3270_DATA, 0, 0]) + (self._sequence % 65536).to_bytes(2, "big") + data
            self._sequence += 1
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

    async def negotiate(self, tn3270e: bool = True) -> str:
        """TN3270E if the client will, else plain TN3270. Returns the terminal type."""
        if tn3270e:
            self.send_raw(bytes([IAC, DO, TN3270E]))
            verb, option, _ = await self._command()
            if (verb, option) == (WILL, TN3270E):
                return await self._negotiate_tn3270e()
        return await self._negotiate_tn3270()

    async def _subnegotiation(self, option: int, *prefix: int) -> bytes:
        while True:
            verb, got, payload = await self._command()
            if verb == SB and got == option and payload[:len(prefix)] == bytes(prefix):
                return payload[len(prefix):]

    async def _negotiate_tn3270e(self) -> str:
        """Device type (we CONNECT it to our LU name), then functions: we agree to none."""
        self.send_raw(bytes([IAC, SB, TN3270E, E_SEND, E_DEVICE_TYPE, IAC, SE]))
        request = await self._subnegotiation(TN3270E, E_DEVICE_TYPE, E_REQUEST)
        device = request.split(bytes([E_CONNECT]))[0].split(b"\x00")[0]
        self.send_raw(bytes([IAC, SB, TN3270E, E_DEVICE_TYPE, E_IS]) + device
                      + bytes([E_CONNECT]) + LU_NAME + bytes([IAC, SE]))
        await self._subnegotiation(TN3270E, E_FUNCTIONS, E_REQUEST)
        self.send_raw(bytes([IAC, SB, TN3270E, E_FUNCTIONS, E_IS, IAC, SE]))
        self.tn3270e = True
        return device.decode("ascii", "replace")

    async def _negotiate_tn3270(self) -> str:
        """DO TERMINAL-TYPE, ask for it, then EOR and BINARY both ways."""
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
        """The next 3270 data record (TN3270E header removed; other data types skipped)."""
        while True:
            while not self.records:
                await self._pump()
            record = self.records.popleft()
            if not self.tn3270e:
                return record
            if record[:1] == bytes([E_3270_DATA]):
                return record[5:]
