"""Deleting what clinic.yml's ``data_retention.days`` says goes: the promise made to patients.

clinic.yml tells patients their chat is deleted after that many days. Everything kept
about a conversation goes on that period, each record once it is older:

- the conversation itself: every event of Rasa's store (a conversation with none left is gone);
- the curators' log of unsure questions;
- the messaging channels' bookkeeping: redelivery dedupe, offered buttons, finished outgoing replies.

Kept: a phone number's STOP (a keyed hash, no words), which carriers require us to honour
until it says START. Consultation requests follow their own period (bot/staff/consultations.py).
"""
from __future__ import annotations

import datetime as dt
import time
from typing import Dict, Optional

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.expression import ColumnElement

from bot.storage.conversations import EVENTS, has_conversations
from bot.storage.outbox import OutboxKind, finished_before
from bot.storage.tables import channel_inbox, channel_options, outbox, unsure_questions

SECONDS_PER_DAY = 86400


def purge_expired(engine: Engine, keep_days: Optional[int], dry_run: bool = False,
                  now: Optional[float] = None) -> Dict[str, int]:
    """Delete (with ``dry_run`` only count) what is older than ``keep_days``, per kind of record.

    ``keep_days`` None means clinic.yml promises no period: nothing is deleted.
    """
    if keep_days is None:
        return {}
    cutoff = (time.time() if now is None else now) - keep_days * SECONDS_PER_DAY
    naive_utc = dt.datetime.fromtimestamp(cutoff, dt.timezone.utc).replace(tzinfo=None)
    counts: Dict[str, int] = {}
    with engine.begin() as db:
        if has_conversations(engine):
            counts["conversation events"] = _delete(db, EVENTS, EVENTS.c.timestamp < cutoff, dry_run)
        counts["unsure questions"] = _delete(db, unsure_questions, unsure_questions.c.asked_at < naive_utc, dry_run)
        counts["channel records"] = (
            _delete(db, channel_inbox, channel_inbox.c.received_at < cutoff, dry_run)
            + _delete(db, channel_options, channel_options.c.saved_at < cutoff, dry_run)
            + _delete(db, outbox, finished_before([OutboxKind.channel_message], cutoff), dry_run)
        )
    return counts


def _delete(db: Connection, table: Table, expired: ColumnElement, dry_run: bool) -> int:
    if dry_run:
        return int(db.execute(select(func.count()).select_from(table).where(expired)).scalar_one())
    return int(db.execute(table.delete().where(expired)).rowcount)
