"""Conversations the crisis path flagged, read from Rasa's SQL tracker store for the staff inbox.

Rasa writes one row per event to ``events`` (sender_id, type_name, timestamp, data as
JSON); the engine sets the slot ``crisis_flag`` to true on a crisis (bot/engine.py). A
conversation counts as flagged while its latest ``crisis_flag`` slot event says true.
The file is opened read-only: the inbox must never change a conversation.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any, Dict, List, Optional

from pydantic import BaseModel

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


def flagged_conversations(tracker_db: Path) -> List[FlaggedConversation]:
    """The flagged conversations, the most recently flagged first; none when there is no store yet."""
    if not tracker_db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{tracker_db}?mode=ro", uri=True, timeout=10) as db:
            flags = db.execute(
                "SELECT sender_id, timestamp, data FROM events WHERE type_name = 'slot' AND data LIKE ?"
                " ORDER BY id", (f'%"{FLAG_SLOT}"%',),
            ).fetchall()
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
    except sqlite3.OperationalError:  # no events table yet: Rasa creates it on the first conversation
        return []


def _conversation(db: sqlite3.Connection, sender: str, flagged_at: float) -> FlaggedConversation:
    rows = db.execute(
        "SELECT type_name, timestamp, data FROM events WHERE sender_id = ? AND type_name IN ('user', 'bot')"
        " ORDER BY id", (sender,),
    ).fetchall()
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
