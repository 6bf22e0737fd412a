"""Consultation requests a visitor agreed to send: stored durably, only with consent."""
from __future__ import annotations

import datetime
import re
import sqlite3
from pathlib import Path
from typing import List, Optional

from pydantic import BaseModel, Field, validator

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
PHONE_CHARS = re.compile(r"[\s().\-]")


def normalise_contact(text: str) -> Optional[str]:
    """A phone number (7-15 digits, optional +) or an email address; None if neither."""
    value = text.strip()
    if EMAIL.match(value):
        return value.lower()
    digits = PHONE_CHARS.sub("", value)
    if re.fullmatch(r"\+?\d{7,15}", digits):
        return digits
    return None


def normalise_name(text: str) -> Optional[str]:
    value = " ".join(text.split())
    if not 1 <= len(value) <= 80 or len(value.split()) > 5:
        return None
    if not re.search(r"[^\W\d_]", value) or re.search(r"\d{3,}|@|https?:|[?!]", value):
        return None
    return value


class ConsultationRequest(BaseModel):
    conversation_id: str = Field(..., max_length=200)
    name: str
    contact: str
    consent: bool
    created_at: datetime.datetime = Field(default_factory=lambda: datetime.datetime.now(datetime.timezone.utc))

    @validator("consent")
    def must_consent(cls, value: bool) -> bool:
        if value is not True:
            raise ValueError("contact details are stored only with consent")
        return value


class ConsultationStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS consultation_requests ("
                " id INTEGER PRIMARY KEY, conversation_id TEXT NOT NULL, name TEXT NOT NULL,"
                " contact TEXT NOT NULL, consent INTEGER NOT NULL CHECK (consent = 1),"
                " created_at TEXT NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def add(self, request: ConsultationRequest) -> int:
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO consultation_requests (conversation_id, name, contact, consent, created_at)"
                " VALUES (?, ?, ?, 1, ?)",
                (request.conversation_id, request.name, request.contact, request.created_at.isoformat()),
            )
            return int(cursor.lastrowid)

    def all(self) -> List[ConsultationRequest]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT conversation_id, name, contact, consent, created_at FROM consultation_requests ORDER BY id"
            ).fetchall()
        return [
            ConsultationRequest(conversation_id=r[0], name=r[1], contact=r[2], consent=bool(r[3]), created_at=r[4])
            for r in rows
        ]
