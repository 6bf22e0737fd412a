"""The messaging channels' durable state, in kapbot's database (bot/storage/tables.py).

- channel_inbox: provider message ids already taken, so a redelivery is
  acknowledged, not answered twice. Ids only, no text: the text lives in the
  conversation store like every other channel's.
- channel_options: the numbered choices last offered by SMS, so "2" means
  option 2 even after a restart.
- channel_optouts: numbers (hashed conversation ids) that texted STOP.
- channel_payload_keys: short keys for button payloads too long for a provider's limit.
- outbound provider calls are rows of the one durable outbox (kind
  ``channel_message``, destination ``<channel>:<method>``, ordered per
  conversation), written before they are tried, so a provider outage delays
  replies instead of losing them (api/channels/delivery.py).
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from pydantic import BaseModel
from sqlalchemy import and_, select
from sqlalchemy.engine import Engine

from bot.storage.database import insert_new, sqlite_file
from bot.storage.outbox import CHANNEL_RETRY, Outbox, OutboxKind, OutboxPolicies, OutboxState, RetryPolicy
from bot.storage.outbox import OutboxRow as StoredRow
from bot.storage.tables import channel_inbox, channel_options, channel_optouts, channel_payload_keys

# A claim still "received" after this long belongs to a process that died mid-answer.
STALE_CLAIM_SECONDS = 120.0
KIND = OutboxKind.channel_message


class Outgoing(BaseModel):
    """One provider API call to make: ``method`` is the provider's (sendMessage, messages)."""

    channel: str
    conversation_id: str
    method: str
    payload: Dict[str, Any]


class OutboxRow(Outgoing):
    id: int
    attempts: int
    next_attempt_at: float


def destination(channel: str, method: str) -> str:
    return f"{channel}:{method}"


def channel_and_method(row_destination: str) -> Tuple[str, str]:
    channel, _, method = row_destination.partition(":")
    return channel, method


def channel_policies(policy: RetryPolicy = CHANNEL_RETRY) -> OutboxPolicies:
    return OutboxPolicies(by_kind={KIND: policy})


class ChannelStore:
    def __init__(self, engine: Engine, policy: RetryPolicy = CHANNEL_RETRY) -> None:
        self.engine = engine
        self.outbox = Outbox(engine, channel_policies(policy))

    @property
    def path(self) -> Optional[Path]:
        """The SQLite file the channels' rows are in (shared with the rest of kapbot); None for a server database."""
        return sqlite_file(self.engine)

    # inbox ---------------------------------------------------------------

    def claim(self, channel: str, message_id: str, conversation_id: str) -> bool:
        """True if this message is ours to answer; False for a redelivery."""
        now = time.time()
        if insert_new(self.engine, channel_inbox, dict(channel=channel, message_id=message_id,
                                                       conversation_id=conversation_id, status="received",
                                                       received_at=now)):
            return True
        with self.engine.begin() as db:
            taken_over = db.execute(channel_inbox.update().where(and_(
                channel_inbox.c.channel == channel, channel_inbox.c.message_id == message_id,
                channel_inbox.c.status == "received", channel_inbox.c.received_at < now - STALE_CLAIM_SECONDS,
            )).values(received_at=now)).rowcount
        return bool(taken_over)

    def release(self, channel: str, message_id: str) -> None:
        """Forget a claim whose answer failed, so the provider's redelivery is answered."""
        with self.engine.begin() as db:
            db.execute(channel_inbox.delete().where(and_(
                channel_inbox.c.channel == channel, channel_inbox.c.message_id == message_id)))

    def finish(self, channel: str, message_id: str, outgoing: List[Outgoing]) -> None:
        """Queue the reply and mark the message answered, in one transaction."""
        with self.engine.begin() as db:
            for o in outgoing:
                self.outbox.add(db, KIND, destination(o.channel, o.method), json.dumps(o.payload),
                                ordering_key=o.conversation_id)
            db.execute(channel_inbox.update().where(and_(
                channel_inbox.c.channel == channel, channel_inbox.c.message_id == message_id,
            )).values(status="answered"))

    # SMS options and opt-outs ----------------------------------------------

    def save_options(self, conversation_id: str, payloads: List[str]) -> None:
        with self.engine.begin() as db:
            db.execute(channel_options.delete().where(channel_options.c.conversation_id == conversation_id))
            if payloads:
                db.execute(channel_options.insert().values(
                    conversation_id=conversation_id, payloads=json.dumps(payloads), saved_at=time.time()))

    def options(self, conversation_id: str) -> List[str]:
        with self.engine.connect() as db:
            payloads = db.execute(select(channel_options.c.payloads).where(
                channel_options.c.conversation_id == conversation_id)).scalar()
        return list(json.loads(payloads)) if payloads else []

    def set_opted_out(self, conversation_id: str, opted_out: bool) -> None:
        if opted_out:
            insert_new(self.engine, channel_optouts, dict(conversation_id=conversation_id, since=time.time()))
            return
        with self.engine.begin() as db:
            db.execute(channel_optouts.delete().where(channel_optouts.c.conversation_id == conversation_id))

    def is_opted_out(self, conversation_id: str) -> bool:
        with self.engine.connect() as db:
            return db.execute(select(channel_optouts.c.since).where(
                channel_optouts.c.conversation_id == conversation_id)).first() is not None

    # short payload keys ----------------------------------------------------

    def short_key(self, payload: str) -> str:
        """A stable 21-character key standing for ``payload`` (same payload, same key)."""
        key = "k" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]
        insert_new(self.engine, channel_payload_keys, dict(key=key, payload=payload))
        return key

    def payload_for(self, key: str) -> Optional[str]:
        with self.engine.connect() as db:
            payload = db.execute(select(channel_payload_keys.c.payload).where(
                channel_payload_keys.c.key == key)).scalar()
        return None if payload is None else str(payload)

    # outbox ------------------------------------------------------------------

    def pending(self, channel: Optional[str] = None) -> List[OutboxRow]:
        """Pending calls in the order they were queued (due or not)."""
        rows = [as_call(row) for row in self.outbox.rows([KIND], [OutboxState.pending])]
        return [row for row in rows if channel is None or row.channel == channel]

    def requeue_abandoned(self) -> int:
        """Calls left 'sending' by a process that died go back to pending."""
        return self.outbox.requeue_abandoned([KIND])

    def outbox_status(self) -> List[Dict[str, Any]]:
        """What happened to each call (for operators and tests): never the payload."""
        return [
            {"id": row.id, "channel": call.channel, "method": call.method, "status": row.state.value,
             "attempts": row.attempts, "last_error": row.last_error}
            for row in self.outbox.rows([KIND]) for call in [as_call(row, with_payload=False)]
        ]


def as_call(row: StoredRow, with_payload: bool = True) -> OutboxRow:
    """An outbox row as the provider call it stands for."""
    channel, method = channel_and_method(row.destination)
    return OutboxRow(id=row.id, channel=channel, conversation_id=row.ordering_key or "", method=method,
                     payload=json.loads(row.payload) if with_payload else {}, attempts=row.attempts,
                     next_attempt_at=row.next_attempt_at)
