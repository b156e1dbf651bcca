"""SMTP bridge: hands messages to a mail relay with smtplib, in the bridge's worker threads.

One connection per message (a relay closes idle sessions quickly, and a proposal is a
rare, slow event). The password comes from the secret store as `<system>.password`.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from pydantic import BaseModel, Field

from bridges.base import BlockingBridge
from bridges.errors import (
    AuthError,
    BridgeTimeout,
    ConfigError,
    ConnectError,
    ProtocolError,
    RemoteFault,
)
from bridges.secrets import SecretStore


class SmtpSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=25, ge=1, le=65535)
    username: str | None = None
    starttls: bool = False
    sender: str = Field(description="The From address of every message")
    timeout_s: float = Field(default=10.0, gt=0)
    max_workers: int = Field(default=2, ge=1, le=32)


class TemporaryFault(RemoteFault):
    """The relay said "not now" (4xx): it did not take the message, sending again is safe."""

    retriable = True


@dataclass(frozen=True)
class SentMail:
    message_id: str
    recipients: tuple[str, ...]


@contextmanager
def map_smtplib_errors(system: str) -> Iterator[None]:
    """The one place smtplib and socket exceptions become the bridge error tree."""
    try:
        yield
    except smtplib.SMTPAuthenticationError as exc:
        raise AuthError(f"mail relay refused the credentials ({exc.smtp_code})",
                        system=system) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = sorted({code for code, _ in exc.recipients.values()})
        raise RemoteFault(f"mail relay refused every recipient ({codes})", code=str(codes[0]),
                          system=system) from exc
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        fault = TemporaryFault if 400 <= exc.smtp_code < 500 else RemoteFault
        raise fault(f"mail relay answered {exc.smtp_code}: {text}", code=str(exc.smtp_code),
                    system=system) from exc
    except smtplib.SMTPServerDisconnected as exc:
        raise ConnectError(f"mail relay closed the connection: {exc}", system=system) from exc
    except smtplib.SMTPException as exc:
        raise ProtocolError(f"mail relay: {type(exc).__name__}: {exc}", system=system) from exc
    except TimeoutError as exc:
        raise BridgeTimeout("mail relay did not answer in time", system=system) from exc
    except OSError as exc:
        raise ConnectError(f"mail relay unreachable: {exc}", system=system) from exc


class SmtpBridge(BlockingBridge[EmailMessage, SentMail]):
    protocol = "smtp"
    settings_model = SmtpSettings

    def __init__(self, system: str, settings: SmtpSettings, secrets: SecretStore) -> None:
        super().__init__(system, max_workers=settings.max_workers)
        self.settings = settings
        self.secrets = secrets

    def _password(self) -> str | None:
        if self.settings.username is None:
            return None
        return self.secrets.get(f"{self.system}.password").get_secret_value()

    def exchange_blocking(self, request: EmailMessage) -> SentMail:
        if not request["Message-ID"] or not request["To"]:
            raise ConfigError("a message needs Message-ID and To headers", system=self.system)
        if request["From"] is None:
            request["From"] = self.settings.sender
        s = self.settings
        with map_smtplib_errors(self.system), smtplib.SMTP(
                s.host, s.port, timeout=s.timeout_s) as client:
            if s.starttls:
                client.starttls(context=ssl.create_default_context())
            password = self._password()
            if s.username is not None and password is not None:
                client.login(s.username, password)
            refused: dict[str, Any] = client.send_message(request)
        accepted = tuple(a for a in request.get_all("To", []) if a not in refused)
        return SentMail(message_id=str(request["Message-ID"]), recipients=accepted)
