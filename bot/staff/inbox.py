"""The staff inbox's own records, in kapbot's database (bot/storage/tables.py):
who may log in (``staff_users``, argon2 hashes), what they did (``staff_audit``) and
their notes on flagged conversations (``staff_notes``).

The audit never holds a password, nor a visitor's words.
"""
from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Dict, List, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, SecretStr
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.storage.tables import staff_audit, staff_notes, staff_users

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

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # Users

    def add_user(self, username: str, password: SecretStr) -> None:
        """Add a user, or set a new password for an existing one. ValueError on a bad name or short password."""
        if not USERNAME.match(username):
            raise ValueError("a user name is 1-64 letters, digits or . _ @ -")
        if len(password.get_secret_value()) < MIN_PASSWORD:
            raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
        hashed = _HASHER.hash(password.get_secret_value())
        with self.engine.begin() as db:
            changed = db.execute(staff_users.update().where(staff_users.c.username == username).values(
                password_hash=hashed, session_epoch=staff_users.c.session_epoch + 1)).rowcount
            if not changed:
                db.execute(staff_users.insert().values(username=username, password_hash=hashed, created_at=_now(),
                                                       session_epoch=0))
        self.audit("cli", AuditAction.user_added, username)

    def has_users(self) -> bool:
        with self.engine.connect() as db:
            return db.execute(select(staff_users.c.username).limit(1)).first() is not None

    def session_epoch(self, username: str) -> Optional[int]:
        """The user's current session epoch; None when there is no such user (any more)."""
        with self.engine.connect() as db:
            epoch = db.execute(select(staff_users.c.session_epoch).where(staff_users.c.username == username)).scalar()
        return None if epoch is None else int(epoch)

    def end_sessions(self, username: str) -> None:
        """Every session of the user ends (logout): cookies of the old epoch are refused."""
        with self.engine.begin() as db:
            db.execute(staff_users.update().where(staff_users.c.username == username).values(
                session_epoch=staff_users.c.session_epoch + 1))

    def verify(self, username: str, password: str) -> bool:
        """True when the password is the user's; an unknown user costs the same argon2 work."""
        with self.engine.connect() as db:
            stored = db.execute(select(staff_users.c.password_hash).where(staff_users.c.username == username)).scalar()
        try:
            ok = _HASHER.verify(stored or _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return False
        if ok and stored and _HASHER.check_needs_rehash(stored):  # argon2's parameters grew since
            with self.engine.begin() as db:
                db.execute(staff_users.update().where(staff_users.c.username == username).values(
                    password_hash=_HASHER.hash(password)))
        return ok and stored is not None

    # Audit

    def audit(self, who: str, action: AuditAction, target: Optional[str] = None) -> None:
        with self.engine.begin() as db:
            db.execute(staff_audit.insert().values(at=_now(), who=who[:64], action=action.value, target=target))

    def audit_log(self) -> List[AuditEntry]:
        with self.engine.connect() as db:
            rows = db.execute(select(staff_audit).order_by(staff_audit.c.id)).fetchall()
        return [AuditEntry(at=r.at, who=r.who, action=r.action, target=r.target) for r in rows]

    # Notes

    def add_note(self, conversation_id: str, author: str, note: str) -> None:
        with self.engine.begin() as db:
            db.execute(staff_notes.insert().values(conversation_id=conversation_id, author=author, note=note,
                                                   created_at=_now()))
        self.audit(author, AuditAction.note, conversation_id)

    def notes(self, keep_days: Optional[int] = None) -> Dict[str, List[StaffNote]]:
        """Every note, by conversation, oldest first; notes past ``keep_days`` are deleted first."""
        with self.engine.begin() as db:
            if keep_days is not None:  # notes obey the clinic's data_retention, like the chat they are about
                cutoff = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=keep_days)).isoformat(timespec="seconds")
                db.execute(staff_notes.delete().where(staff_notes.c.created_at < cutoff))
            rows = db.execute(select(staff_notes).order_by(staff_notes.c.id)).fetchall()
        found: Dict[str, List[StaffNote]] = {}
        for r in rows:
            found.setdefault(r.conversation_id, []).append(
                StaffNote(conversation_id=r.conversation_id, author=r.author, note=r.note, created_at=r.created_at))
        return found
