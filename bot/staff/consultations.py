"""Consultation requests a visitor agreed to send, and their way to the clinic's staff.

A request is stored with the visitor's consent, together with one outbox row
per destination that ``clinic.yml`` names, in one transaction: a request is
never stored without being on its way, nor sent without a record.
"""
from __future__ import annotations

import datetime
from enum import Enum
from typing import Dict, Iterable, List, Optional

from pydantic import BaseModel, Field, SecretStr, validator
from sqlalchemy import select

from bot.content.clinic import Clinic
from bot.errors import ConfigError
from bot.staff.contact_details import ContactKind
from bot.staff.destinations import email_address
from bot.staff.outbox import DeliveryStatus, MessageKind, StaffOutbox
from bot.staff.smtp import Email, SmtpSettings
from bot.storage.tables import consultation_requests as table


class StaffStatus(str, Enum):
    """The clinic's own follow-up of a request, independent of its delivery."""

    new = "new"
    contacted = "contacted"
    closed = "closed"


class ConsultationRequest(BaseModel):
    conversation_id: str = Field(..., max_length=200)
    channel: str = "web"
    name: str = Field(..., min_length=1, max_length=80)
    contact: str = Field(..., min_length=3, max_length=254)
    contact_kind: ContactKind
    preferred_time: Optional[str] = Field(default=None, max_length=200)
    consent: bool
    created_at: datetime.datetime = Field(default_factory=lambda: datetime.datetime.now(datetime.timezone.utc))

    @validator("consent")
    def must_consent(cls, value: bool) -> bool:
        if value is not True:
            raise ValueError("contact details are stored only with consent")
        return value


class RequestNotice(BaseModel):
    """The JSON a webhook destination receives."""

    type: str = Field(default="consultation_request", const=True)
    request_id: int
    clinic: str
    name: str
    contact: str
    contact_kind: ContactKind
    preferred_time: Optional[str]
    channel: str
    created_at: datetime.datetime


class Delivery(str, Enum):
    """A request's state across its destinations."""

    pending = "pending"  # at least one destination still being tried
    delivered = "delivered"  # every destination took it
    failed = "failed"  # retries ran out for at least one destination, none pending


class StoredRequest(BaseModel):
    id: int
    request: ConsultationRequest
    delivery: Delivery
    destinations: Dict[str, DeliveryStatus]
    staff_status: StaffStatus = StaffStatus.new


def check_destinations(clinic: Clinic, webhook_secret: Optional[SecretStr], smtp: Optional[SmtpSettings]) -> None:
    """Refuse to start with a destination that could never work: better now than a patient later."""
    if clinic.consultations.webhook_url and webhook_secret is None:
        raise ConfigError("clinic.yml names a consultation webhook: set KAPBOT_STAFF_WEBHOOK_SECRET to sign it")
    if clinic.consultations.email_to and smtp is None:
        raise ConfigError("clinic.yml names consultation emails: set KAPBOT_SMTP (host, port, sender...)")


class ConsultationStore:
    """Requests, kept in kapbot's database beside the outbox rows that deliver them."""

    def __init__(self, outbox: StaffOutbox) -> None:
        self.outbox = outbox
        self.engine = outbox.engine

    def submit(self, request: ConsultationRequest, clinic: Clinic, email: Email) -> int:
        """Store the request and queue it to every destination; returns its id.

        ``send_pending`` on the running outbox sends it (the engine calls it after the turn).
        """
        destinations = clinic.consultations.destinations
        if not destinations:
            raise ConfigError("no consultation destination is configured in clinic.yml")
        self.purge(clinic.consultation_keep_days)
        with self.engine.begin() as db:
            result = db.execute(table.insert().values(
                conversation_id=request.conversation_id, channel=request.channel, name=request.name,
                contact=request.contact, contact_kind=request.contact_kind.value,
                preferred_time=request.preferred_time, consent=True, created_at=request.created_at.isoformat(),
                staff_status=StaffStatus.new.value,
            ))
            request_id = int(result.inserted_primary_key[0])
            notice = RequestNotice(request_id=request_id, clinic=clinic.name, **request.dict(
                include={"name", "contact", "contact_kind", "preferred_time", "channel", "created_at"}))
            for destination in destinations:
                payload = email.json() if email_address(destination) else notice.json()
                self.outbox.store(db, MessageKind.consultation, destination, payload, ref=request_id)
        return request_id

    def purge(self, keep_days: Optional[int], dry_run: bool = False) -> int:
        """Delete (or only count) requests older than ``keep_days``, with what carried them."""
        if keep_days is None:
            return 0
        cutoff = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=keep_days)).isoformat()
        with self.engine.begin() as db:
            expired = [row.id for row in db.execute(select(table.c.id).where(table.c.created_at < cutoff))]
            if dry_run:
                return len(expired)
            for request_id in expired:
                self.outbox.forget(db, request_id)
                db.execute(table.delete().where(table.c.id == request_id))
        self.outbox.purge(keep_days)
        return len(expired)

    def set_staff_status(self, request_id: int, status: StaffStatus) -> bool:
        """Record the team's follow-up; False when no such request (deleted, or never was)."""
        with self.engine.begin() as db:
            result = db.execute(table.update().where(table.c.id == request_id).values(staff_status=status.value))
            return result.rowcount == 1

    def requests(self, pending_only: bool = False) -> List[StoredRequest]:
        with self.engine.connect() as db:
            rows = db.execute(select(table).order_by(table.c.id)).fetchall()
        deliveries: Dict[int, Dict[str, DeliveryStatus]] = {}
        for message in self.outbox.messages(MessageKind.consultation):
            deliveries.setdefault(message.ref or 0, {})[message.destination] = message.status
        stored = []
        for r in rows:
            states = deliveries.get(r.id, {})
            stored.append(StoredRequest(
                id=r.id,
                request=ConsultationRequest(conversation_id=r.conversation_id, channel=r.channel, name=r.name,
                                            contact=r.contact, contact_kind=r.contact_kind,
                                            preferred_time=r.preferred_time, consent=True,
                                            created_at=r.created_at),
                delivery=_delivery(states.values()),
                destinations=states,
                staff_status=r.staff_status,
            ))
        return [s for s in stored if s.delivery is not Delivery.delivered] if pending_only else stored


def _delivery(states: Iterable[DeliveryStatus]) -> Delivery:
    seen = list(states)
    if any(s is DeliveryStatus.pending for s in seen):
        return Delivery.pending
    if any(s is DeliveryStatus.failed for s in seen):
        return Delivery.failed
    return Delivery.delivered
