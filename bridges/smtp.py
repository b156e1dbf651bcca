"""SMTP bridge: hands messages to a mail relay with smtplib, in the bridge's worker threads.

One connection per message (a relay closes idle sessions quickly, and a proposal is a
rare, slow event). The password comes from the secret store as `<system>.password`.
Recording keeps each message's envelope (from, to, subject) and the relay's answer; replay
answers from them. Not the Message-ID, new on every call, nor the body: written from live data
(a quote's date), it would make yesterday's recording miss today.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from pydantic import Field

from bridges.base import BlockingBridge
from bridges.errors import (
    AuthError,
    BridgeError,
    BridgeTimeout,
    ConfigError,
    ConnectError,
    ProtocolError,
    RemoteFault,
)
from bridges.recording import (
    JSON,
    CassetteSettings,
    Recorder,
    Redactor,
    error_json,
    raise_recorded,
)
from bridges.secrets import SecretStore


class SmtpSettings(CassetteSettings):
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


def envelope_json(message: EmailMessage) -> JSON:
    """What a recorded message is matched by on replay."""
    return {"from": str(message["From"]), "to": [str(a) for a in message.get_all("To", [])],
            "subject": str(message["Subject"] or "")}


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
        self.recorder = Recorder.from_settings(self.protocol, system, settings)

    def _password(self) -> str | None:
        if self.settings.username is None:
            return None
        return self.secrets.get(f"{self.system}.password").get_secret_value()

    def exchange_blocking(self, request: EmailMessage) -> SentMail:
        if not request["Message-ID"] or not request["To"]:
            raise ConfigError("a message needs Message-ID and To headers", system=self.system)
        if request["From"] is None:
            request["From"] = self.settings.sender
        if self.recorder is None:
            return self._send(request)
        envelope = envelope_json(request)
        if self.recorder.replaying:
            reply = self.recorder.cassette.replay(envelope)
            raise_recorded(reply, self.system)
            return SentMail(reply["message_id"], tuple(reply["recipients"]))
        secret = self.secrets.lookup(f"{self.system}.password")  # unset: nothing to mask
        redactor = Redactor((secret.get_secret_value(),) if secret else ())
        try:
            sent = self._send(request)
        except BridgeError as exc:
            self.recorder.cassette.record(envelope, error_json(exc), redactor)
            raise
        self.recorder.cassette.record(envelope, {"message_id": sent.message_id,
                                                 "recipients": list(sent.recipients)}, redactor)
        return sent

    def _send(self, request: EmailMessage) -> SentMail:
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

    async def close(self) -> None:
        if self.recorder is not None:
            self.recorder.save()
        await super().close()
