"""Mail-server emulator: an SMTP server (aiosmtpd) on loopback that keeps what it receives.

It demands AUTH (PLAIN/LOGIN) with a generated password, as a bank's relay would; TLS is off
because it only listens on 127.0.0.1. Fault injection: the next N messages are deferred with
451 (temporary, the sender should retry) or refused with 554 (permanent), and every answer to
DATA can be held back for a while (a slow or hung relay).
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import threading
import warnings
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

USERNAME = "mainbridge"


@dataclass
class Faults:
    defer_next: int = 0  # answer 451 to this many DATA commands
    refuse_next: int = 0  # answer 554 to this many DATA commands
    stall_s: float = 0.0  # wait this long before answering DATA


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class _Handler:
    faults: Faults
    inbox: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session,
                          envelope: Envelope) -> str:
        if self.faults.stall_s:
            await asyncio.sleep(self.faults.stall_s)
        with self.lock:
            if self.faults.defer_next > 0:
                self.faults.defer_next -= 1
                return "451 4.3.0 Mail server temporarily busy, try again later"
            if self.faults.refuse_next > 0:
                self.faults.refuse_next -= 1
                return "554 5.7.1 Message refused by policy"
            content = envelope.content if isinstance(envelope.content, bytes) else b""
            message = message_from_bytes(content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            self.inbox.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos),
                                       message))
        return "250 2.0.0 Message accepted for delivery"


class _LoopbackController(Controller):
    def factory(self) -> SMTP:
        # AUTH without TLS is deliberate here (127.0.0.1 only): keep the per-connection
        # warning about it out of every test run.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            return super().factory()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class MailServer:
    """`with MailServer() as mail:` -> `mail.port`, `mail.password`, `mail.messages()`."""

    def __init__(self, password: str | None = None) -> None:
        self.password = password or secrets.token_urlsafe(16)
        self.faults = Faults()
        self.handler = _Handler(self.faults)
        self.port = _free_port()
        self.controller = _LoopbackController(
            self.handler, hostname="127.0.0.1", port=self.port, auth_required=True,
            auth_require_tls=False, authenticator=self._authenticate)

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope,
                      mechanism: str, auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == USERNAME.encode()
              and secrets.compare_digest(auth_data.password, self.password.encode()))
        return AuthResult(success=ok)

    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.inbox)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> MailServer:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
