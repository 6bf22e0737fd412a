"""What the assistant sends to the clinic's staff: crisis alerts and consultation requests.

Each message is written to SQLite before it is sent, then retried with backoff
(never more than ``max_delay`` apart) until ``give_up_after`` has passed since
it was raised, 24 hours by default, across restarts: a new process resumes
every pending message. Only then is it marked failed; failed messages stay
visible in ``kapbot alerts`` / ``kapbot requests``, ``/readyz`` and the logs
(never with a visitor's words or contact details).

A destination is a URI: ``https://...`` is a webhook (JSON, signed with an
HMAC of the body when a secret is set), ``mailto:...`` an email over SMTP.
"""
from __future__ import annotations

import asyncio
import datetime
import hashlib
import hmac
import sqlite3
import time
from enum import Enum
from pathlib import Path
from typing import List, Optional, Set

import httpx
from pydantic import BaseModel, Field, SecretStr
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_delay, wait_exponential

from bot.log import logger
from bot.smtp import Mailer, MailError
from bot.staff_destinations import email_address

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS staff_messages (id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL, ref INTEGER, destination TEXT NOT NULL,"
    " payload TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',"
    " attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
    " created_at REAL NOT NULL, next_attempt_at REAL)"
)
SIGNATURE_HEADER = "X-Kapbot-Signature"
LEGACY_ALERTS = "alerts.db"  # before requests shared the outbox, alerts had a file of their own


class MessageKind(str, Enum):
    alert = "alert"
    consultation = "consultation"


class DeliveryStatus(str, Enum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class RetryPolicy(BaseModel):
    first_delay: float = Field(1.0, gt=0, description="Seconds before the second try; doubles each time.")
    max_delay: float = Field(300.0, gt=0, description="Never wait longer than this between tries.")
    give_up_after: float = Field(24 * 3600.0, gt=0, description="Seconds after the message was raised.")
    timeout: float = Field(5.0, gt=0, description="Seconds one try may take.")


class Outgoing(BaseModel):
    """One stored message to one destination, as the outbox keeps it."""

    id: int
    kind: MessageKind
    ref: Optional[int] = Field(None, description="The consultation request it carries, if any.")
    destination: str
    payload: str
    status: DeliveryStatus
    attempts: int
    last_error: Optional[str]
    created_at: datetime.datetime


class DeliveryFailed(Exception):
    """The destination did not take the message (refused, timed out, answered >= 300)."""


def signature(secret: SecretStr, body: bytes) -> str:
    """``sha256=<hex>`` of the body: what a receiver recomputes to trust a webhook."""
    digest = hmac.new(secret.get_secret_value().encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class StaffOutbox:
    def __init__(
        self,
        path: Path,
        policy: RetryPolicy = RetryPolicy(),
        webhook_secret: Optional[SecretStr] = None,
        mailer: Optional[Mailer] = None,
    ) -> None:
        self.path = path
        self.policy = policy
        self.webhook_secret = webhook_secret
        self.mailer = mailer
        self._tasks: Set[asyncio.Task] = set()
        self._in_flight: Set[int] = set()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as db:
            db.execute(SCHEMA)
        _import_legacy_alerts(self, path.parent / LEGACY_ALERTS)

    def connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def store(self, db: sqlite3.Connection, kind: MessageKind, destination: str, payload: str,
              ref: Optional[int] = None) -> int:
        """Write one message in the caller's transaction; ``send_pending`` sends it."""
        cursor = db.execute(
            "INSERT INTO staff_messages (kind, ref, destination, payload, created_at) VALUES (?, ?, ?, ?, ?)",
            (kind.value, ref, destination, payload, time.time()),
        )
        return int(cursor.lastrowid or 0)

    def enqueue(self, kind: MessageKind, destination: str, payload: BaseModel) -> int:
        """Store the message, then send it in the background. Returns its id."""
        with self.connect() as db:
            message_id = self.store(db, kind, destination, payload.json())
        self._spawn(message_id)
        return message_id

    def send_pending(self) -> int:
        """Send every pending message no task of this process is sending yet. Returns how many."""
        with self.connect() as db:
            ids = [row[0] for row in db.execute("SELECT id FROM staff_messages WHERE status = 'pending'")]
        started = [i for i in ids if i not in self._in_flight]
        for message_id in started:
            self._spawn(message_id)
        return len(started)

    def resume_pending(self) -> int:
        """At start-up: go on sending what an earlier process left pending."""
        count = self.send_pending()
        failed = len(self.messages(status=DeliveryStatus.failed))
        if failed:
            logger.error("%s staff message(s) could not be delivered: see `kapbot alerts --failed`"
                         " and `kapbot requests`", failed)
        return count

    def messages(self, kind: Optional[MessageKind] = None,
                 status: Optional[DeliveryStatus] = None) -> List[Outgoing]:
        clauses, args = [], []
        for column, value in (("kind", kind), ("status", status)):
            if value is not None:
                clauses.append(f"{column} = ?")
                args.append(value.value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self.connect() as db:
            rows = db.execute(
                "SELECT id, kind, ref, destination, payload, status, attempts, last_error, created_at"
                f" FROM staff_messages{where} ORDER BY id", args,
            ).fetchall()
        return [
            Outgoing(id=r[0], kind=r[1], ref=r[2], destination=r[3], payload=r[4], status=r[5],
                     attempts=r[6], last_error=r[7],
                     created_at=datetime.datetime.fromtimestamp(r[8], datetime.timezone.utc))
            for r in rows
        ]

    def purge(self, keep_days: Optional[int]) -> int:
        """Delete finished messages (sent or failed) older than the clinic's retention."""
        if keep_days is None:
            return 0
        cutoff = time.time() - keep_days * 86400
        with self.connect() as db:
            cursor = db.execute("DELETE FROM staff_messages WHERE status != 'pending' AND created_at < ?", (cutoff,))
            return cursor.rowcount

    async def drain(self) -> None:
        """Wait for every message in flight (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def abandon(self) -> None:
        """Stop sending without marking anything (a process going away): a later one resumes."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _spawn(self, message_id: int) -> None:
        self._in_flight.add(message_id)
        task = asyncio.get_running_loop().create_task(self._deliver(message_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _: self._in_flight.discard(message_id))

    async def _deliver(self, message_id: int) -> None:
        with self.connect() as db:
            kind, destination, payload, attempts, created, next_at = db.execute(
                "SELECT kind, destination, payload, attempts, created_at, next_attempt_at"
                " FROM staff_messages WHERE id = ?", (message_id,)
            ).fetchone()
        label = f"staff {kind} {message_id}"
        if next_at:  # keep the backoff an earlier process chose, but no longer than the cap
            await asyncio.sleep(min(max(0.0, next_at - time.time()), self.policy.max_delay))
        remaining = max(0.0, created + self.policy.give_up_after - time.time())

        def before_sleep(state: RetryCallState) -> None:
            delay = state.next_action.sleep if state.next_action else 0.0
            error = state.outcome.exception() if state.outcome else None
            logger.warning("%s try %s failed: %s", label, attempts + state.attempt_number, error)
            with self.connect() as db:
                db.execute("UPDATE staff_messages SET next_attempt_at = ? WHERE id = ?",
                           (time.time() + delay, message_id))

        retrying = AsyncRetrying(
            stop=stop_after_delay(remaining),
            wait=wait_exponential(multiplier=self.policy.first_delay, max=self.policy.max_delay),
            retry=retry_if_exception_type(DeliveryFailed),
            before_sleep=before_sleep,
            reraise=True,
        )
        tries = attempts
        try:
            async for trying in retrying:
                with trying:
                    tries = attempts + trying.retry_state.attempt_number  # counted across restarts
                    error = await self._send(destination, payload)
                    self._record(message_id, tries, error, DeliveryStatus.pending if error else DeliveryStatus.sent)
                    if error:
                        raise DeliveryFailed(error)
        except DeliveryFailed as exc:
            self._record(message_id, tries, str(exc), DeliveryStatus.failed)
            logger.error("%s could not be delivered after %s tries", label, tries)
            return
        logger.info("%s sent", label)

    async def _send(self, destination: str, payload: str) -> Optional[str]:
        """None when the destination took the message, else a short reason (no content)."""
        address = email_address(destination)
        if address is not None:
            if self.mailer is None:
                return "no SMTP server configured"
            try:
                await self.mailer.send(address, payload)
            except MailError as exc:
                return str(exc)
            return None
        body = payload.encode()
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret is not None:
            headers[SIGNATURE_HEADER] = signature(self.webhook_secret, body)
        try:
            async with httpx.AsyncClient(timeout=self.policy.timeout) as client:
                response = await client.post(destination, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return type(exc).__name__
        return None if response.status_code < 300 else f"HTTP {response.status_code}"

    def _record(self, message_id: int, attempts: int, error: Optional[str], status: DeliveryStatus) -> None:
        with self.connect() as db:
            db.execute(
                "UPDATE staff_messages SET status = ?, attempts = ?, last_error = ? WHERE id = ?",
                (status.value, attempts, error, message_id),
            )


def _import_legacy_alerts(outbox: StaffOutbox, legacy: Path) -> None:
    """Move alerts an older release left in ``alerts.db`` here, once, so none is lost on upgrade."""
    if not legacy.exists():
        return
    with sqlite3.connect(legacy) as old:
        columns = {row[1] for row in old.execute("PRAGMA table_info(alerts)")}
        created = "created_at" if "created_at" in columns else "NULL"
        rows = old.execute(f"SELECT url, payload, status, attempts, last_error, {created} FROM alerts"
                           " WHERE status != 'sent'").fetchall() if columns else []
    with outbox.connect() as db:
        for url, payload, status, attempts, error, created_at in rows:
            db.execute(
                "INSERT INTO staff_messages (kind, destination, payload, status, attempts, last_error, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (MessageKind.alert.value, url, payload, status, attempts, error, created_at or time.time()),
            )
    legacy.rename(legacy.with_name(legacy.name + ".imported"))
    logger.info("moved %s unsent staff alert(s) from %s into the staff outbox", len(rows), legacy.name)
