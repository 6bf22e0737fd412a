"""Real servers on loopback standing in for a clinic's staff systems: a webhook
receiver (pytest-httpserver) and an SMTP server with STARTTLS and a login
(aiosmtpd, a certificate from a throwaway CA made by trustme).

``configure(var_dir)`` runs before the settings are first read: it picks the
ports, writes a clinic file naming both destinations, and sets the secrets in
the environment, so every assistant of the test session delivers there.
"""
from __future__ import annotations

import json
import os
import ssl
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any, List, Optional

import trustme
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from pytest_httpserver import HTTPServer

from tests.paths import PROJECT_DIR

WEBHOOK_PATH = "/clinic/consultations"
WEBHOOK_SECRET = "test-webhook-secret"
STAFF_EMAIL = "intake@clinic.test"
SMTP_USER, SMTP_PASSWORD = "kapbot", "smtp-test-password"


class Ports:
    def __init__(self, webhook: int, smtp: int) -> None:
        self.webhook, self.smtp = webhook, smtp


def configure(var_dir: Path, webhook_port: int, smtp_port: int) -> Ports:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca.cert_pem.write_to_path(str(var_dir / "smtp-ca.pem"))
    cert.private_key_and_cert_chain_pem.write_to_path(str(var_dir / "smtp-cert.pem"))
    clinic = yaml.safe_load((PROJECT_DIR / "clinic.yml").read_text(encoding="utf-8"))
    clinic["consultations"] = {
        "webhook_url": f"http://127.0.0.1:{webhook_port}{WEBHOOK_PATH}",
        "email_to": [STAFF_EMAIL],
    }
    (var_dir / "clinic.yml").write_text(yaml.safe_dump(clinic), encoding="utf-8")
    os.environ.setdefault("KAPBOT_CLINIC_FILE", str(var_dir / "clinic.yml"))
    os.environ.setdefault("KAPBOT_STAFF_WEBHOOK_SECRET", WEBHOOK_SECRET)
    os.environ.setdefault("KAPBOT_SMTP", json.dumps({
        "host": "127.0.0.1", "port": smtp_port, "starttls": True, "username": SMTP_USER,
        "password": SMTP_PASSWORD, "sender": "assistant@clinic.test", "ca_file": str(var_dir / "smtp-ca.pem"),
    }))
    return Ports(webhook_port, smtp_port)


class Inbox:
    """What the SMTP server accepted, as parsed messages."""

    def __init__(self) -> None:
        self.messages: List[Message] = []
        self.recipients: List[List[str]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.recipients.append(list(envelope.rcpt_tos))
        self.messages.append(message_from_bytes(envelope.original_content or b""))
        return "250 OK"


def _login(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (SMTP_USER.encode(),
                                                                           SMTP_PASSWORD.encode())
    return AuthResult(success=ok)


class SmtpServer:
    def __init__(self, var_dir: Path, port: int) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(var_dir / "smtp-cert.pem"))
        self.inbox = Inbox()
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
            authenticator=_login, auth_required=True,
        )

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def webhook_server(port: int) -> HTTPServer:
    server = HTTPServer(host="127.0.0.1", port=port)
    server.expect_request(WEBHOOK_PATH, method="POST").respond_with_data("ok")
    server.start()
    return server


def find_email(inbox: Inbox, text: str) -> Optional[Message]:
    return next((m for m in inbox.messages if text in m.get_payload(decode=True).decode()), None)
