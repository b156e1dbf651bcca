"""One s3270 process driven through py3270: connect, type, press keys, read settled screens."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import py3270

from bridges.errors import BridgeError, BridgeTimeout, ConfigError, ConnectError, ProtocolError
from bridges.tn3270.escape import key_action, position, quote
from bridges.tn3270.screen import Screen


class SessionLost(ConnectError):
    """The terminal session is gone (dropped, expired): a fresh sign-on may succeed."""


@contextmanager
def map_py3270_errors(system: str, action: str = "s3270") -> Iterator[None]:
    """The one place py3270's exceptions (which share no root) become bridge errors."""
    try:
        yield
    except BridgeError:
        raise
    except py3270.CommandError as exc:
        message = str(exc)
        lowered = message.lower()
        error: BridgeError
        if "timed out" in lowered or "timeout" in lowered:
            error = BridgeTimeout(f"{action}: host did not answer in time", system=system)
        elif "connect" in lowered or "host" in lowered:
            error = SessionLost(f"{action}: {message}", system=system)
        else:
            error = ProtocolError(f"{action}: s3270 refused: {message}", system=system)
        raise error from exc
    except (py3270.WaitError, py3270.KeyboardStateError, py3270.FieldTruncateError) as exc:
        raise ProtocolError(f"{action}: {type(exc).__name__}: {exc}", system=system) from exc
    except FileNotFoundError as exc:
        raise ConfigError(f"{action}: s3270 is not installed ({exc.filename})",
                          system=system) from exc
    except (py3270.TerminatedError, BrokenPipeError, ValueError, UnicodeDecodeError,
            OSError) as exc:
        # py3270 raises ValueError when s3270's output ends (the process died) mid-reply.
        raise SessionLost(f"{action}: s3270 session ended: {type(exc).__name__}",
                          system=system) from exc


class _S3270(py3270.S3270App):
    """py3270's s3270 launcher with a configurable path, and stderr not left in a pipe
    nobody reads (a long-lived session would block once it filled)."""

    def __init__(self, executable: str, args: list[str]) -> None:
        self.executable = executable
        super().__init__(args)

    def spawn_app(self) -> None:
        self.sp = subprocess.Popen([self.executable, *self.args], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


class Terminal:
    """A 3270 terminal (s3270 subprocess) connected to one host."""

    def __init__(self, system: str, model: str = "3279-2", codepage: str = "cp037",
                 executable: str = "s3270") -> None:
        self.system = system
        args = ["-model", model, "-utf8", "-codepage", codepage]
        with map_py3270_errors(system, "start s3270"):
            self.emulator = py3270.Emulator(app=_S3270(executable, args))
        self.rows = 43 if model.endswith(("-4", "-4-E")) else 24
        self.screen: Screen | None = None

    def command(self, line: str, action: str = "s3270") -> list[bytes]:
        """Run one line of actions we built ourselves (values already quoted).

        `action` names the step in error messages; it never contains typed values."""
        with map_py3270_errors(self.system, action):
            result = self.emulator.exec_command(line.encode("utf-8"))  # s3270 runs with -utf8
        data: list[bytes] = result.data
        return data

    def connect(self, host: str, port: int, timeout_s: float) -> Screen:
        # The host string is built from validated settings, never from agent input.
        self.command(f"Connect({host}:{port})", "connect")
        return self.settle(timeout_s)

    def _status(self) -> tuple[tuple[int, int], bool]:
        status = self.emulator.status
        cursor = (int(status.cursor_row or 0) + 1, int(status.cursor_col or 0) + 1)
        return cursor, status.keyboard != b"U"

    def settle(self, timeout_s: float, actions: str = "", label: str = "wait") -> Screen:
        """Run `actions` (already built), wait for an unlocked keyboard, read the screen."""
        wait = f"Wait({max(1, round(timeout_s))},Unlock)"
        lines = self.command(f"{actions} {wait} ReadBuffer(Ascii)".strip(), label)
        if self.emulator.status.connection_state == b"N":
            raise SessionLost("host closed the session", system=self.system)
        return self._parse(lines)

    def read(self) -> Screen:
        return self._parse(self.command("ReadBuffer(Ascii)", "read"))

    def _parse(self, lines: list[bytes]) -> Screen:
        cursor, locked = self._status()
        self.screen = Screen.from_buffer(lines, cursor, locked)
        return self.screen

    def fill_actions(self, row: int, col: int, value: str) -> str:
        """Actions that replace a field's content: move, erase to end of field, type."""
        actions = f"{position(row, col, self.rows)} EraseEOF()"
        return f"{actions} String({quote(value)})" if value else actions

    def press(self, key: str, timeout_s: float, pending: str = "") -> Screen:
        """Type the pending fills and press `key` in one s3270 line, then settle."""
        return self.settle(timeout_s, f"{pending} {key_action(key)}".strip(), key)

    def alive(self) -> bool:
        try:
            self.command("Query(ConnectionState)", "health check")
        except BridgeError:
            return False
        return self.emulator.status.connection_state.startswith(b"C(")

    def close(self) -> None:
        try:
            with map_py3270_errors(self.system, "quit"):
                self.emulator.terminate()
        except BridgeError:
            # s3270 is stuck or gone: kill it, and keep py3270's __del__ from trying again
            self.emulator.app.sp.kill()
            self.emulator.app.sp.wait(5)
            self.emulator.is_terminated = True
