"""The one durable outbox: staff alerts, consultation deliveries and channel replies.

Every message is a row written before it is sent (in the caller's transaction
where that matters), so a crash or an outage delays it instead of losing it.
A sender takes a row with an atomic claim (``UPDATE ... WHERE state =
'pending'``): two workers, in one process or several, never both send it. The
outcome is settled by the row kind's ``RetryPolicy``: sent, pending again after
a backoff, or failed once the policy is spent.

Two ways of driving it share the claim, the settle and the policies:
``deliver`` follows one row until it is settled for good (staff messages, one
task each), ``deliver_due`` makes one ordered pass over due rows (channel
replies, where a conversation's later messages wait behind an earlier one).
"""
from __future__ import annotations

import asyncio
import time
from enum import Enum
from typing import Awaitable, Callable, Dict, Iterable, List, Optional, Set

from pydantic import BaseModel, Field, validator
from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.expression import ColumnElement
from tenacity import RetryCallState, wait_exponential

from bot.log import logger
from bot.storage.tables import outbox as table


class OutboxKind(str, Enum):
    alert = "alert"
    consultation = "consultation"
    channel_message = "channel_message"

    @property
    def label(self) -> str:
        """How the logs name a row of this kind (operators grep for "staff alert")."""
        return {"alert": "staff alert", "consultation": "staff consultation"}.get(self.value, "channel reply")


class OutboxState(str, Enum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"


FINAL = (OutboxState.sent, OutboxState.failed)


class RetryPolicy(BaseModel):
    first_delay: float = Field(default=1.0, ge=0, description="Seconds before the second try; doubles each time.")
    max_delay: float = Field(default=300.0, gt=0, description="Never wait longer than this between tries.")
    give_up_after: float = Field(default=24 * 3600.0, gt=0, description="Seconds after the message was raised.")
    max_tries: Optional[int] = Field(
        default=None, ge=1, description="Give up after this many tries; None: only by time."
    )
    timeout: float = Field(default=5.0, gt=0, description="Seconds one try may take.")
    stale_claim_after: float = Field(
        default=60.0,
        gt=0,
        description="A row 'sending' this long belongs to a process that died: it may be taken over.",
    )
    erase_when_sent: bool = Field(
        default=False, description="Blank the payload once sent (it holds a visitor's words)."
    )

    def delay(self, tries: int) -> float:
        """Seconds to wait after the ``tries``-th failed try: tenacity's exponential backoff."""
        state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
        state.attempt_number = tries
        return float(wait_exponential(multiplier=self.first_delay, max=self.max_delay)(state))

    def spent(self, tries: int, created_at: float, now: float) -> bool:
        """True once no further try is allowed."""
        return now >= created_at + self.give_up_after or (self.max_tries is not None and tries >= self.max_tries)

    def span(self) -> float:
        """The longest time this policy keeps a message being tried (its waits, not the tries themselves)."""
        if self.max_tries is None:
            return self.give_up_after
        return min(self.give_up_after, sum(self.delay(n) for n in range(1, self.max_tries)))


# Channel replies: 30 s, 60 s, ... capped at an hour, 8 tries (about an hour in all). A reply
# that late is still worth having; one later than that only confuses the conversation.
# A try there is up to three provider calls with their own backoff (api/channels/outbound.py): a longer claim.
CHANNEL_RETRY = RetryPolicy(first_delay=30.0, max_delay=3600.0, max_tries=8, timeout=10.0,
                            stale_claim_after=300.0, erase_when_sent=True)


class WeakAlertPolicy(ValueError):
    """The staff alert policy would give up before another kind does."""


class UnknownKind(KeyError):
    """An outbox was asked about a kind it has no policy for."""


class OutboxPolicies(BaseModel):
    """The retry policy of each kind an outbox sends. A crisis alert outlasts everything else."""

    by_kind: Dict[OutboxKind, RetryPolicy]

    @validator("by_kind")
    def alerts_outlast_the_rest(cls, value: Dict[OutboxKind, RetryPolicy]) -> Dict[OutboxKind, RetryPolicy]:
        alert = value.get(OutboxKind.alert)
        if alert is None:
            return value
        for kind, policy in value.items():
            if alert.max_tries is not None or alert.span() < policy.span():
                raise WeakAlertPolicy(
                    f"staff alerts must be retried by time, and at least as long as {kind.value} messages")
        return value

    def of(self, kind: OutboxKind) -> RetryPolicy:
        try:
            return self.by_kind[kind]
        except KeyError:
            raise UnknownKind(kind.value) from None


class OutboxRow(BaseModel):
    id: int
    kind: OutboxKind
    destination: str
    ordering_key: Optional[str]
    ref: Optional[int]
    payload: str
    state: OutboxState
    attempts: int
    next_attempt_at: float
    claimed_at: Optional[float]
    last_error: Optional[str]
    created_at: float


class Outcome(BaseModel):
    """What one try came to."""

    error: Optional[str] = Field(
        default=None, description="None: the destination took it; else a short reason, no content."
    )
    retryable: bool = True
    counted: bool = Field(
        default=True, description="False: not a real try (the channel is off); wait without using one up."
    )
    retry_after: Optional[float] = Field(
        default=None, ge=0, description="Seconds to wait instead of the policy's backoff."
    )


Sender = Callable[[OutboxRow], Awaitable[Outcome]]


def finished_before(kinds: Iterable[OutboxKind], before: float) -> ColumnElement:
    """Rows of ``kinds`` that are done (sent or failed) and were raised before ``before``."""
    return and_(
        table.c.kind.in_([k.value for k in kinds]),
        table.c.state.in_([s.value for s in FINAL]),
        table.c.created_at < before,
    )


class Outbox:
    def __init__(self, engine: Engine, policies: OutboxPolicies) -> None:
        self.engine = engine
        self.policies = policies

    def add(self, db: Connection, kind: OutboxKind, destination: str, payload: str, *,
            ref: Optional[int] = None, ordering_key: Optional[str] = None) -> int:
        """Write one message in the caller's transaction; returns its id."""
        result = db.execute(table.insert().values(
            kind=kind.value, destination=destination, payload=payload, ref=ref, ordering_key=ordering_key,
            state=OutboxState.pending.value, attempts=0, next_attempt_at=0.0, created_at=time.time(),
        ))
        return int(result.inserted_primary_key[0])

    def rows(self, kinds: Optional[Iterable[OutboxKind]] = None,
             states: Optional[Iterable[OutboxState]] = None, ref: Optional[int] = None) -> List[OutboxRow]:
        query = select(table).order_by(table.c.id)
        if kinds is not None:
            query = query.where(table.c.kind.in_([k.value for k in kinds]))
        if states is not None:
            query = query.where(table.c.state.in_([s.value for s in states]))
        if ref is not None:
            query = query.where(table.c.ref == ref)
        with self.engine.connect() as db:
            return [OutboxRow(**row._mapping) for row in db.execute(query)]

    def row(self, row_id: int) -> Optional[OutboxRow]:
        with self.engine.connect() as db:
            found = db.execute(select(table).where(table.c.id == row_id)).first()
        return None if found is None else OutboxRow(**found._mapping)

    def claim(self, row: OutboxRow) -> Optional[OutboxRow]:
        """Take a due row for sending and return it as it now is; None if it is not due, or another sender has it."""
        now = time.time()
        stale = now - self.policies.of(row.kind).stale_claim_after
        with self.engine.begin() as db:
            taken = db.execute(table.update().where(and_(
                table.c.id == row.id,
                or_(and_(table.c.state == OutboxState.pending.value, table.c.next_attempt_at <= now),
                    and_(table.c.state == OutboxState.sending.value, table.c.claimed_at < stale)),
            )).values(state=OutboxState.sending.value, claimed_at=now))
            if taken.rowcount != 1:
                return None
            return OutboxRow(**db.execute(select(table).where(table.c.id == row.id)).one()._mapping)

    def release(self, claimed: OutboxRow) -> None:
        """Give a claimed row back untried (the process is going away): a later sender takes it."""
        self._record(claimed, state=OutboxState.pending.value)

    def settle(self, claimed: OutboxRow, outcome: Outcome) -> Optional[OutboxState]:
        """Record a claimed row's try by its kind's policy; returns where it now stands.

        None when the claim was lost meanwhile (it went stale and another sender took the row).
        """
        policy = self.policies.of(claimed.kind)
        tries = claimed.attempts + (1 if outcome.counted else 0)
        label = f"{claimed.kind.label} {claimed.id}"
        now = time.time()
        if outcome.error is None:
            state, delay = OutboxState.sent, 0.0
        elif outcome.counted and (not outcome.retryable or policy.spent(tries, claimed.created_at, now)):
            state, delay = OutboxState.failed, 0.0
        else:
            state = OutboxState.pending
            delay = outcome.retry_after if outcome.retry_after is not None else policy.delay(max(tries, 1))
        payload = "{}" if state is OutboxState.sent and policy.erase_when_sent else claimed.payload
        if not self._record(claimed, state=state.value, attempts=tries, last_error=outcome.error,
                            next_attempt_at=now + delay, payload=payload):
            logger.warning("%s: its claim went stale during the try; the other sender's record stands", label)
            return None
        if state is OutboxState.sent:
            logger.info("%s sent", label)
        elif state is OutboxState.failed:
            logger.error("%s could not be delivered after %s tries (%s)", label, tries, outcome.error)
        else:
            logger.warning("%s try %s failed (%s): next in %.1f s", label, tries, outcome.error, delay)
        return state

    async def deliver(self, row_id: int, send: Sender) -> Optional[OutboxState]:
        """Try one row until it is sent or failed (by this sender or another); None if it was deleted."""
        while True:
            row = self.row(row_id)
            if row is None or row.state in FINAL:  # None: purged meanwhile
                return None if row is None else row.state
            # Wait until it is due, or until another sender's claim would be stale (it may have died).
            ready_at = row.next_attempt_at if row.state is OutboxState.pending else (
                (row.claimed_at or 0.0) + self.policies.of(row.kind).stale_claim_after)
            await asyncio.sleep(max(0.0, ready_at - time.time()))
            claimed = self.claim(row)
            if claimed is None:
                continue  # taken, settled or rescheduled meanwhile: look again
            state = await self._try(claimed, send)
            if state in FINAL:
                return state

    async def deliver_due(self, kinds: Iterable[OutboxKind], send: Sender) -> int:
        """One pass over pending rows, oldest first; returns how many were sent.

        A row that is not due, taken by another sender, or still pending after
        its try holds back the later rows of its ``ordering_key``.
        """
        blocked: Set[str] = set()
        sent = 0
        for row in self.rows(kinds, [OutboxState.pending]):
            if row.ordering_key is not None and row.ordering_key in blocked:
                continue
            claimed = self.claim(row)
            if claimed is None:
                if row.ordering_key is not None:
                    blocked.add(row.ordering_key)
                continue
            state = await self._try(claimed, send)
            sent += state is OutboxState.sent
            if state is OutboxState.pending and row.ordering_key is not None:
                blocked.add(row.ordering_key)
        return sent

    async def _try(self, claimed: OutboxRow, send: Sender) -> Optional[OutboxState]:
        try:
            outcome = await send(claimed)
        except asyncio.CancelledError:  # the process is going away: the row is not lost, nor counted
            self.release(claimed)
            raise
        return self.settle(claimed, outcome)

    def requeue_abandoned(self, kinds: Iterable[OutboxKind]) -> int:
        """Rows a dead process left 'sending' go back to pending."""
        count = 0
        with self.engine.begin() as db:
            for kind in kinds:
                stale = time.time() - self.policies.of(kind).stale_claim_after
                count += db.execute(table.update().where(and_(
                    table.c.kind == kind.value, table.c.state == OutboxState.sending.value,
                    table.c.claimed_at < stale,
                )).values(state=OutboxState.pending.value, claimed_at=None)).rowcount
        return count

    def purge(self, kinds: Iterable[OutboxKind], before: float) -> int:
        """Delete finished rows (sent or failed) raised before ``before``."""
        with self.engine.begin() as db:
            return int(db.execute(table.delete().where(finished_before(kinds, before))).rowcount)

    def delete_for(self, db: Connection, kind: OutboxKind, ref: int) -> None:
        """Delete every row carrying ``ref`` (a request past retention), in the caller's transaction."""
        db.execute(table.delete().where(and_(table.c.kind == kind.value, table.c.ref == ref)))

    def _record(self, claimed: OutboxRow, **values: object) -> bool:
        """Update a row only while this sender's claim holds (fencing by the claim's time)."""
        with self.engine.begin() as db:
            return db.execute(table.update().where(and_(
                table.c.id == claimed.id, table.c.state == OutboxState.sending.value,
                table.c.claimed_at == claimed.claimed_at,
            )).values(claimed_at=None, **values)).rowcount == 1
