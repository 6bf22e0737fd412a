"""The staff inbox's own records, in the staff database beside the outbox (``var/staff.db``):
who may log in (``staff_users``, argon2 hashes), what they did (``staff_audit``) and
their notes on flagged conversations (``staff_notes``).

sqlite3 like bot/consultations.py and bot/staff_outbox.py, which share the file.
The audit never holds a password, nor a visitor's words.
"""
from __future__ import annotations

import datetime as dt
import re
import sqlite3
from enum import Enum
from pathlib import Path
from typing import Dict, List, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, SecretStr

SCHEMA = (
    # session_epoch: a session cookie names the epoch it began in; logout or a new password
    # moves it on, so copies of older cookies stop working at once (not only after the idle time).
    "CREATE TABLE IF NOT EXISTS staff_users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL,"
    " created_at TEXT NOT NULL, session_epoch INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS staff_audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL, who TEXT NOT NULL,"
    " action TEXT NOT NULL, target TEXT)",
    "CREATE TABLE IF NOT EXISTS staff_notes (id INTEGER PRIMARY KEY, conversation_id TEXT NOT NULL,"
    " author TEXT NOT NULL, note TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS staff_notes_conversation ON staff_notes (conversation_id)",
)
USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
MIN_PASSWORD = 10
# A hash to verify against when the user does not exist, so a wrong name takes as long as a wrong password.
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("not a password anyone has")


class AuditAction(str, Enum):
    login = "login"
    login_failed = "login_failed"
    logout = "logout"
    status_change = "status_change"
    note = "note"
    user_added = "user_added"


class AuditEntry(BaseModel):
    at: dt.datetime
    who: str
    action: AuditAction
    target: Optional[str]


class StaffNote(BaseModel):
    conversation_id: str
    author: str
    note: str
    created_at: dt.datetime


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class StaffDirectory:
    """Users, audit and notes of the staff inbox."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as db:
            for statement in SCHEMA:
                db.execute(statement)

    def connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    # Users

    def add_user(self, username: str, password: SecretStr) -> None:
        """Add a user, or set a new password for an existing one. ValueError on a bad name or short password."""
        if not USERNAME.match(username):
            raise ValueError("a user name is 1-64 letters, digits or . _ @ -")
        if len(password.get_secret_value()) < MIN_PASSWORD:
            raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
        hashed = _HASHER.hash(password.get_secret_value())
        with self.connect() as db:
            db.execute(
                "INSERT INTO staff_users (username, password_hash, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash,"
                " session_epoch = session_epoch + 1",
                (username, hashed, _now()),
            )
        self.audit("cli", AuditAction.user_added, username)

    def has_users(self) -> bool:
        with self.connect() as db:
            return db.execute("SELECT 1 FROM staff_users LIMIT 1").fetchone() is not None

    def session_epoch(self, username: str) -> Optional[int]:
        """The user's current session epoch; None when there is no such user (any more)."""
        with self.connect() as db:
            row = db.execute("SELECT session_epoch FROM staff_users WHERE username = ?", (username,)).fetchone()
        return None if row is None else int(row[0])

    def end_sessions(self, username: str) -> None:
        """Every session of the user ends (logout): cookies of the old epoch are refused."""
        with self.connect() as db:
            db.execute("UPDATE staff_users SET session_epoch = session_epoch + 1 WHERE username = ?", (username,))

    def verify(self, username: str, password: str) -> bool:
        """True when the password is the user's; an unknown user costs the same argon2 work."""
        with self.connect() as db:
            row = db.execute("SELECT password_hash FROM staff_users WHERE username = ?", (username,)).fetchone()
        try:
            ok = _HASHER.verify(row[0] if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return False
        if ok and row and _HASHER.check_needs_rehash(row[0]):  # argon2's parameters grew since
            with self.connect() as db:
                db.execute("UPDATE staff_users SET password_hash = ? WHERE username = ?",
                           (_HASHER.hash(password), username))
        return ok and row is not None

    # Audit

    def audit(self, who: str, action: AuditAction, target: Optional[str] = None) -> None:
        with self.connect() as db:
            db.execute("INSERT INTO staff_audit (at, who, action, target) VALUES (?, ?, ?, ?)",
                       (_now(), who[:64], action.value, target))

    def audit_log(self) -> List[AuditEntry]:
        with self.connect() as db:
            rows = db.execute("SELECT at, who, action, target FROM staff_audit ORDER BY id").fetchall()
        return [AuditEntry(at=r[0], who=r[1], action=r[2], target=r[3]) for r in rows]

    # Notes

    def add_note(self, conversation_id: str, author: str, note: str) -> None:
        with self.connect() as db:
            db.execute("INSERT INTO staff_notes (conversation_id, author, note, created_at) VALUES (?, ?, ?, ?)",
                       (conversation_id, author, note, _now()))
        self.audit(author, AuditAction.note, conversation_id)

    def notes(self, keep_days: Optional[int] = None) -> Dict[str, List[StaffNote]]:
        """Every note, by conversation, oldest first; notes past ``keep_days`` are deleted first."""
        with self.connect() as db:
            if keep_days is not None:  # notes obey the clinic's data_retention, like the chat they are about
                cutoff = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=keep_days)).isoformat(timespec="seconds")
                db.execute("DELETE FROM staff_notes WHERE created_at < ?", (cutoff,))
            rows = db.execute(
                "SELECT conversation_id, author, note, created_at FROM staff_notes ORDER BY id").fetchall()
        found: Dict[str, List[StaffNote]] = {}
        for r in rows:
            found.setdefault(r[0], []).append(StaffNote(conversation_id=r[0], author=r[1], note=r[2], created_at=r[3]))
        return found
