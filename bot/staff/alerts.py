"""Staff alerts for crisis conversations: the most durable thing the assistant sends.

An alert names the conversation and the crisis category; the visitor's words
only when the clinic's configuration allows it. It travels through the staff
outbox (bot/staff/outbox.py), retried for 24 hours across restarts.
"""
from __future__ import annotations

import datetime
from typing import List, Optional

from pydantic import BaseModel, Field

from bot.staff.outbox import DeliveryStatus, MessageKind, StaffOutbox


class Alert(BaseModel):
    type: str = Field(default="crisis_alert", const=True)
    conversation_id: str
    category: str
    channel: str = "web"
    detected_at: str
    message_text: Optional[str] = None
    opted_out: bool = Field(default=False, description="The visitor texted STOP: no reply was sent to them.")


class AlertRecord(BaseModel):
    """One alert as ``kapbot alerts`` and ``/readyz`` show it: no message text."""

    id: int
    status: DeliveryStatus
    attempts: int
    last_error: Optional[str]
    created_at: datetime.datetime
    category: str
    channel: str
    opted_out: bool


def alert_records(outbox: StaffOutbox, status: Optional[DeliveryStatus] = None) -> List[AlertRecord]:
    records = []
    for message in outbox.messages(MessageKind.alert, status):
        alert = Alert.parse_raw(message.payload)
        records.append(AlertRecord(
            id=message.id, status=message.status, attempts=message.attempts, last_error=message.last_error,
            created_at=message.created_at, category=alert.category, channel=alert.channel,
            opted_out=alert.opted_out,
        ))
    return records


def now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
