"""The messaging channels' durable state, one SQLite file under var_dir (channels.db).

- inbox: provider message ids already taken, so a redelivery is acknowledged,
  not answered twice. Ids only, no text: the text lives in the conversation
  store like every other channel's.
- options: the numbered choices last offered by SMS, so "2" means option 2
  even after a restart.
- optouts: numbers (hashed conversation ids) that texted STOP.
- payload_keys: short keys for button payloads too long for a provider's limit.
- outbox: every outbound provider call, written before it is tried, so a
  provider outage delays replies instead of losing them (api/channels/delivery.py).

Every call opens its own short connection: handlers run on the event loop and
the delivery loop in the same process, and SQLite serialises the writes.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from pydantic import BaseModel

# A claim still "received" after this long belongs to a process that died mid-answer.
STALE_CLAIM_SECONDS = 120.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (
    channel TEXT NOT NULL, message_id TEXT NOT NULL, conversation_id TEXT NOT NULL,
    status TEXT NOT NULL, received_at REAL NOT NULL, PRIMARY KEY (channel, message_id));
CREATE TABLE IF NOT EXISTS options (
    conversation_id TEXT PRIMARY KEY, payloads TEXT NOT NULL, saved_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS optouts (conversation_id TEXT PRIMARY KEY, since REAL NOT NULL);
CREATE TABLE IF NOT EXISTS payload_keys (key TEXT PRIMARY KEY, payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY, channel TEXT NOT NULL, conversation_id TEXT NOT NULL,
    method TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL DEFAULT 0,
    claimed_at REAL, last_error TEXT, created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS outbox_status ON outbox (status, channel, id);
"""


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


class ChannelStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        try:
            with db:  # commit, or roll back on error
                yield db
        finally:
            db.close()

    # inbox ---------------------------------------------------------------

    def claim(self, channel: str, message_id: str, conversation_id: str) -> bool:
        """True if this message is ours to answer; False for a redelivery."""
        now = time.time()
        with self._db() as db:
            inserted = db.execute(
                "INSERT OR IGNORE INTO inbox VALUES (?, ?, ?, 'received', ?)",
                (channel, message_id, conversation_id, now),
            ).rowcount
            if inserted:
                return True
            taken_over = db.execute(
                "UPDATE inbox SET received_at = ? WHERE channel = ? AND message_id = ?"
                " AND status = 'received' AND received_at < ?",
                (now, channel, message_id, now - STALE_CLAIM_SECONDS),
            ).rowcount
            return bool(taken_over)

    def release(self, channel: str, message_id: str) -> None:
        """Forget a claim whose answer failed, so the provider's redelivery is answered."""
        with self._db() as db:
            db.execute("DELETE FROM inbox WHERE channel = ? AND message_id = ?", (channel, message_id))

    def finish(self, channel: str, message_id: str, outgoing: List[Outgoing]) -> None:
        """Queue the reply and mark the message answered, in one transaction."""
        now = time.time()
        with self._db() as db:
            db.executemany(
                "INSERT INTO outbox (channel, conversation_id, method, payload, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [(o.channel, o.conversation_id, o.method, json.dumps(o.payload), now) for o in outgoing],
            )
            db.execute(
                "UPDATE inbox SET status = 'answered' WHERE channel = ? AND message_id = ?",
                (channel, message_id),
            )

    # SMS options and opt-outs ----------------------------------------------

    def save_options(self, conversation_id: str, payloads: List[str]) -> None:
        with self._db() as db:
            if payloads:
                db.execute(
                    "INSERT OR REPLACE INTO options VALUES (?, ?, ?)",
                    (conversation_id, json.dumps(payloads), time.time()),
                )
            else:
                db.execute("DELETE FROM options WHERE conversation_id = ?", (conversation_id,))

    def options(self, conversation_id: str) -> List[str]:
        with self._db() as db:
            row = db.execute(
                "SELECT payloads FROM options WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
        return list(json.loads(row[0])) if row else []

    def set_opted_out(self, conversation_id: str, opted_out: bool) -> None:
        with self._db() as db:
            if opted_out:
                db.execute("INSERT OR IGNORE INTO optouts VALUES (?, ?)", (conversation_id, time.time()))
            else:
                db.execute("DELETE FROM optouts WHERE conversation_id = ?", (conversation_id,))

    def is_opted_out(self, conversation_id: str) -> bool:
        with self._db() as db:
            return db.execute(
                "SELECT 1 FROM optouts WHERE conversation_id = ?", (conversation_id,)
            ).fetchone() is not None

    # short payload keys ----------------------------------------------------

    def short_key(self, payload: str) -> str:
        """A stable 21-character key standing for ``payload`` (same payload, same key)."""
        key = "k" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]
        with self._db() as db:
            db.execute("INSERT OR IGNORE INTO payload_keys VALUES (?, ?)", (key, payload))
        return key

    def payload_for(self, key: str) -> Optional[str]:
        with self._db() as db:
            row = db.execute("SELECT payload FROM payload_keys WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    # outbox ------------------------------------------------------------------

    def pending(self, channel: Optional[str] = None) -> List[OutboxRow]:
        """Pending calls in the order they were queued (due or not: the caller keeps order)."""
        query = ("SELECT id, channel, conversation_id, method, payload, attempts, next_attempt_at"
                 " FROM outbox WHERE status = 'pending'")
        args: tuple = ()
        if channel is not None:
            query, args = query + " AND channel = ?", (channel,)
        with self._db() as db:
            rows = db.execute(query + " ORDER BY id", args).fetchall()
        return [
            OutboxRow(id=r[0], channel=r[1], conversation_id=r[2], method=r[3],
                      payload=json.loads(r[4]), attempts=r[5], next_attempt_at=r[6])
            for r in rows
        ]

    def take(self, outbox_id: int) -> bool:
        """Mark a pending call as being sent; False if another sender got it first."""
        with self._db() as db:
            return bool(db.execute(
                "UPDATE outbox SET status = 'sending', claimed_at = ? WHERE id = ? AND status = 'pending'",
                (time.time(), outbox_id),
            ).rowcount)

    def settle(self, outbox_id: int, status: str, attempts: int, error: Optional[str] = None,
               next_attempt_at: float = 0.0) -> None:
        """Record a send's outcome. A sent call's payload (address, text) is erased."""
        with self._db() as db:
            db.execute(
                "UPDATE outbox SET status = ?, attempts = ?, last_error = ?, next_attempt_at = ?,"
                " claimed_at = NULL, payload = CASE WHEN ? = 'sent' THEN '{}' ELSE payload END"
                " WHERE id = ?",
                (status, attempts, error, next_attempt_at, status, outbox_id),
            )

    def requeue_abandoned(self, older_than: float) -> int:
        """Calls left 'sending' by a process that died go back to pending."""
        with self._db() as db:
            return db.execute(
                "UPDATE outbox SET status = 'pending', claimed_at = NULL"
                " WHERE status = 'sending' AND claimed_at < ?",
                (time.time() - older_than,),
            ).rowcount

    def outbox_status(self) -> List[Dict[str, Any]]:
        """What happened to each call (for operators and tests): never the payload."""
        with self._db() as db:
            rows = db.execute(
                "SELECT id, channel, method, status, attempts, last_error FROM outbox ORDER BY id"
            ).fetchall()
        keys = ("id", "channel", "method", "status", "attempts", "last_error")
        return [dict(zip(keys, row)) for row in rows]
