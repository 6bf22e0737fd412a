"""The curators' log: questions the assistant was unsure about, for the clinic to learn from.

Every clarification, "or were you asking about ...?" offer and out-of-scope
answer is kept in kapbot's database (table ``unsure_questions``, bot/storage/tables.py):
the question with email addresses and phone numbers redacted, the topics
offered, the topic the visitor then picked, the channel and the time. No
sender id: the link to the pick lives only in the conversation's own slot.
Rows older than the clinic's ``data_retention`` are deleted.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from enum import Enum
from typing import List, Optional

from pydantic import BaseModel
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from bot.storage.tables import unsure_questions

EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[A-Za-z]{2,}")
# A run of digits with the separators people type in numbers; redacted when it holds 7+ digits.
PHONE_LIKE = re.compile(r"\+?\(?\d[\d\s().\-]{5,}\d")
SOMETHING_ELSE = "something_else"


class UnsureKind(str, Enum):
    CLARIFICATION = "clarification"
    OFFER = "offer"
    OUT_OF_SCOPE = "out_of_scope"


class UnsureQuestion(BaseModel):
    id: int
    asked_at: dt.datetime
    channel: str
    kind: UnsureKind
    question: str
    offered: List[str]
    chosen: Optional[str]


def redact(text: str) -> str:
    """The text with email addresses and phone numbers replaced by placeholders."""
    text = EMAIL.sub("[email]", text)
    return PHONE_LIKE.sub(lambda m: "[phone]" if sum(c.isdigit() for c in m.group()) >= 7 else m.group(), text)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)  # stored as naive UTC


class CurationLog:
    """``keep_days``: the clinic's data_retention (clinic.yml, read anew each time); None keeps all."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(
        self, kind: UnsureKind, question: str, offered: List[str], channel: str, keep_days: Optional[int]
    ) -> int:
        """Keep one unsure turn; also drops rows past the retention period."""
        with self.engine.begin() as db:
            self._purge(db, keep_days)
            result = db.execute(
                insert(unsure_questions).values(
                    asked_at=_now(), channel=channel, kind=kind.value, question=redact(question),
                    offered=json.dumps(offered),
                )
            )
            return int(result.inserted_primary_key[0])

    def choose(self, record_id: int, topic: str) -> None:
        with self.engine.begin() as db:
            db.execute(update(unsure_questions).where(unsure_questions.c.id == record_id).values(chosen=topic))

    def since(self, start: dt.datetime, keep_days: Optional[int]) -> List[UnsureQuestion]:
        """Rows asked at or after ``start`` (naive UTC), oldest first."""
        with self.engine.begin() as db:
            self._purge(db, keep_days)
            rows = db.execute(
                select(unsure_questions).where(unsure_questions.c.asked_at >= start).order_by(unsure_questions.c.id)
            ).mappings().all()
        return [UnsureQuestion(**{**row, "offered": json.loads(row["offered"])}) for row in rows]

    @staticmethod
    def _purge(db: Connection, keep_days: Optional[int]) -> None:
        if keep_days is None:
            return
        cutoff = _now() - dt.timedelta(days=keep_days)
        db.execute(delete(unsure_questions).where(unsure_questions.c.asked_at < cutoff))
