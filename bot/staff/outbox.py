"""What the assistant sends to the clinic's staff: crisis alerts and consultation requests.

Each message is a row of the durable outbox (bot/storage/outbox.py) written
before it is sent, then retried with backoff (never more than ``max_delay``
apart) until ``give_up_after`` has passed since it was raised, 24 hours by
default, across restarts: a new process resumes every pending message. Only
then is it marked failed; failed messages stay visible in ``kapbot alerts`` /
``kapbot requests``, ``/readyz`` and the logs (never with a visitor's words or
contact details).

A destination is a URI: ``https://...`` is a webhook (JSON, signed with an
HMAC of the body when a secret is set), ``mailto:...`` an email over SMTP.
"""
from __future__ import annotations

import asyncio
import datetime
import hashlib
import hmac
import time
from enum import Enum
from typing import TYPE_CHECKING, List, Optional, Set

import httpx
from pydantic import BaseModel, Field, SecretStr
from sqlalchemy.engine import Connection, Engine

from bot.log import logger
from bot.staff.destinations import email_address
from bot.staff.smtp import Mailer, MailError
from bot.storage.database import open_database
from bot.storage.outbox import Outbox, OutboxKind, OutboxPolicies, OutboxRow, OutboxState, Outcome, RetryPolicy

if TYPE_CHECKING:
    from bot.settings import Settings

__all__ = ["DeliveryStatus", "MessageKind", "Outgoing", "RetryPolicy", "SIGNATURE_HEADER", "StaffOutbox",
           "signature"]

SIGNATURE_HEADER = "X-Kapbot-Signature"
STAFF_KINDS = (OutboxKind.alert, OutboxKind.consultation)

MessageKind = OutboxKind  # the staff outbox sends its alert and consultation kinds


class DeliveryStatus(str, Enum):
    """A staff message as staff see it: a row being sent right now is still pending."""

    pending = "pending"
    sent = "sent"
    failed = "failed"


class Outgoing(BaseModel):
    """One stored message to one destination, as the outbox keeps it."""

    id: int
    kind: MessageKind
    ref: Optional[int] = Field(default=None, description="The consultation request it carries, if any.")
    destination: str
    payload: str
    status: DeliveryStatus
    attempts: int
    last_error: Optional[str]
    created_at: datetime.datetime


def signature(secret: SecretStr, body: bytes) -> str:
    """``sha256=<hex>`` of the body: what a receiver recomputes to trust a webhook."""
    digest = hmac.new(secret.get_secret_value().encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class StaffOutbox:
    def __init__(
        self,
        engine: Engine,
        policy: Optional[RetryPolicy] = None,
        webhook_secret: Optional[SecretStr] = None,
        mailer: Optional[Mailer] = None,
    ) -> None:
        self.engine = engine
        self.policy = policy or RetryPolicy()
        self.outbox = Outbox(engine, OutboxPolicies(by_kind={kind: self.policy for kind in STAFF_KINDS}))
        self.webhook_secret = webhook_secret
        self.mailer = mailer
        self._tasks: Set[asyncio.Task] = set()
        self._in_flight: Set[int] = set()

    @classmethod
    def from_settings(cls, settings: Settings) -> StaffOutbox:
        """The one outbox of these settings: their database, retry policy, secret and mail server."""
        return cls(
            open_database(settings),
            settings.staff_retry,
            webhook_secret=settings.staff_webhook_secret,
            mailer=Mailer(settings.smtp) if settings.smtp else None,
        )

    def store(self, db: Connection, kind: MessageKind, destination: str, payload: str,
              ref: Optional[int] = None) -> int:
        """Write one message in the caller's transaction; ``send_pending`` sends it."""
        return self.outbox.add(db, kind, destination, payload, ref=ref)

    def forget(self, db: Connection, request_id: int) -> None:
        """Delete the deliveries of a consultation request, in the caller's transaction."""
        self.outbox.delete_for(db, MessageKind.consultation, request_id)

    def enqueue(self, kind: MessageKind, destination: str, payload: BaseModel) -> int:
        """Store the message, then send it in the background. Returns its id."""
        with self.engine.begin() as db:
            message_id = self.store(db, kind, destination, payload.json())
        self._spawn(message_id)
        return message_id

    def send_pending(self) -> int:
        """Send every pending message no task of this process is sending yet. Returns how many."""
        rows = self.outbox.rows(STAFF_KINDS, [OutboxState.pending, OutboxState.sending])
        started = [row.id for row in rows if row.id not in self._in_flight]
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
        states = None if status is None else [OutboxState(status.value)] + (
            [OutboxState.sending] if status is DeliveryStatus.pending else [])
        return [_outgoing(row) for row in self.outbox.rows(STAFF_KINDS if kind is None else [kind], states)]

    def purge(self, keep_days: Optional[int]) -> int:
        """Delete finished messages (sent or failed) older than the clinic's retention."""
        if keep_days is None:
            return 0
        return self.outbox.purge(STAFF_KINDS, time.time() - keep_days * 86400)

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
        task = asyncio.get_running_loop().create_task(self.outbox.deliver(message_id, self._send))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _: self._in_flight.discard(message_id))

    async def _send(self, row: OutboxRow) -> Outcome:
        """One try to one destination; the outcome's error is a short reason, never content."""
        address = email_address(row.destination)
        if address is not None:
            if self.mailer is None:
                return Outcome(error="no SMTP server configured")
            try:
                await self.mailer.send(address, row.payload)
            except MailError as exc:
                return Outcome(error=str(exc))
            return Outcome()
        body = row.payload.encode()
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret is not None:
            headers[SIGNATURE_HEADER] = signature(self.webhook_secret, body)
        try:
            async with httpx.AsyncClient(timeout=self.policy.timeout) as client:
                response = await client.post(row.destination, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return Outcome(error=type(exc).__name__)
        return Outcome() if response.status_code < 300 else Outcome(error=f"HTTP {response.status_code}")


def _outgoing(row: OutboxRow) -> Outgoing:
    status = DeliveryStatus.pending if row.state is OutboxState.sending else DeliveryStatus(row.state.value)
    return Outgoing(id=row.id, kind=row.kind, ref=row.ref, destination=row.destination, payload=row.payload,
                    status=status, attempts=row.attempts, last_error=row.last_error,
                    created_at=datetime.datetime.fromtimestamp(row.created_at, datetime.timezone.utc))
