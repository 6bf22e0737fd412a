"""Conversations the crisis path flagged, read from Rasa's SQL tracker store for the staff inbox.

Rasa writes one row per event to ``events`` (bot/storage/conversations.py); the engine
sets the slot ``crisis_flag`` to true on a crisis (bot/engine.py). A conversation counts
as flagged while its latest ``crisis_flag`` slot event says true. Only read here: the
inbox must never change a conversation.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Dict, List, Optional

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from bot.storage.conversations import EVENTS, has_conversations

FLAG_SLOT = "crisis_flag"  # the slot the engine sets on a crisis (domain.yml declares it)
MODEL_CATEGORY = "model"  # no rule matched: the crisis classifier raised it


class Utterance(BaseModel):
    speaker: str  # "visitor" or "assistant"
    text: str
    at: dt.datetime


class FlaggedConversation(BaseModel):
    conversation_id: str
    flagged_at: dt.datetime
    category: str
    transcript: List[Utterance]


def _time(timestamp: Optional[float]) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp or 0.0, dt.timezone.utc)


def _data(raw: Optional[str]) -> Dict[str, Any]:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def flagged_conversations(engine: Engine) -> List[FlaggedConversation]:
    """The flagged conversations, the most recently flagged first; none before the first conversation."""
    if not has_conversations(engine):
        return []
    with engine.connect() as db:
        flags = db.execute(
            select(EVENTS.c.sender_id, EVENTS.c.timestamp, EVENTS.c.data)
            .where(EVENTS.c.type_name == "slot", EVENTS.c.data.like(f'%"{FLAG_SLOT}"%'))
            .order_by(EVENTS.c.id)
        ).all()
        flagged_at: Dict[str, float] = {}
        for sender, timestamp, raw in flags:
            data = _data(raw)
            if data.get("name") != FLAG_SLOT:
                continue
            if data.get("value") is True:
                flagged_at.setdefault(sender, timestamp)
            else:  # cleared (a restarted conversation): no longer in the inbox
                flagged_at.pop(sender, None)
        return sorted(
            (_conversation(db, sender, when) for sender, when in flagged_at.items()),
            key=lambda c: c.flagged_at, reverse=True,
        )


def _conversation(db: Connection, sender: str, flagged_at: float) -> FlaggedConversation:
    rows = db.execute(
        select(EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
        .where(EVENTS.c.sender_id == sender, EVENTS.c.type_name.in_(("user", "bot")))
        .order_by(EVENTS.c.id)
    ).all()
    transcript: List[Utterance] = []
    category = MODEL_CATEGORY
    for type_name, timestamp, raw in rows:
        data = _data(raw)
        if type_name == "user":
            rule = (data.get("parse_data") or {}).get("crisis_rule")
            if rule and timestamp <= flagged_at:  # the rule that raised the flag, not a later one
                category = str(rule)
        if data.get("text"):
            speaker = "visitor" if type_name == "user" else "assistant"
            transcript.append(Utterance(speaker=speaker, text=str(data["text"]), at=_time(timestamp)))
    return FlaggedConversation(conversation_id=sender, flagged_at=_time(flagged_at), category=category,
                               transcript=transcript)
