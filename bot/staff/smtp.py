"""Email to the clinic's staff over SMTP (aiosmtplib)."""
from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path
from typing import Optional

import aiosmtplib
from pydantic import BaseModel, Field, SecretStr


class SmtpSettings(BaseModel):
    """The clinic's mail server. Credentials come from the environment or the credentials file."""

    host: str
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = Field(default=True, description="Upgrade to TLS before logging in (port 587).")
    username: Optional[str] = None
    password: Optional[SecretStr] = None
    sender: str = Field(..., description="The From address, one the server accepts mail from.")
    ca_file: Optional[Path] = Field(default=None, description="Trust this CA too (a clinic's internal mail server).")
    timeout: float = Field(default=10.0, gt=0)


class Email(BaseModel):
    """What an email destination stores in the outbox: rendered once, sent as is."""

    subject: str = Field(..., max_length=200)
    text: str


class MailError(Exception):
    """The SMTP server did not take the message (short reason, never the content)."""


class Mailer:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    async def send(self, to: str, payload: str) -> None:
        email = Email.parse_raw(payload)
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = to
        message["Subject"] = email.subject
        message.set_content(email.text)
        s = self.settings
        try:
            await aiosmtplib.send(
                message,
                hostname=s.host,
                port=s.port,
                start_tls=s.starttls,
                username=s.username,
                password=s.password.get_secret_value() if s.password else None,
                cert_bundle=str(s.ca_file) if s.ca_file else None,
                timeout=s.timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailError(type(exc).__name__) from exc
