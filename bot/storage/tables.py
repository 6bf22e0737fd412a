"""Every table kapbot keeps for itself, in one MetaData: the schema at the newest migration.

Portable Core types only, so the same schema runs on SQLite now and PostgreSQL
later. Times are epoch seconds (Float) where the code compares them, ISO text
where people read them, as the older per-store files had them.
"""
from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

# Every constraint and index named the same on SQLite and PostgreSQL, so a migration can name
# what it changes. Primary keys take PostgreSQL's own default name (a database made before
# migrations has it); check constraints are named where they are declared.
# A change to this schema is a new revision (README: Migrations), not an edit of an old one.
metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "%(table_name)s_pkey",
})

# One durable outbox: staff alerts, consultation deliveries and channel replies (bot/storage/outbox.py).
outbox = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("destination", Text, nullable=False),
    # Rows with the same key are sent in order (a channel conversation); NULL: no order to keep.
    Column("ordering_key", String(200)),
    Column("ref", Integer),  # the consultation request a delivery carries
    Column("payload", Text, nullable=False),
    Column("state", String(16), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", Float, nullable=False, server_default="0"),
    Column("claimed_at", Float),
    Column("last_error", Text),
    Column("created_at", Float, nullable=False),
    CheckConstraint("state IN ('pending', 'sending', 'sent', 'failed')", name="outbox_state"),
    Index("outbox_due", "state", "kind", "id"),
)

consultation_requests = Table(
    "consultation_requests", metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", String(200), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("name", String(80), nullable=False),
    Column("contact", String(254), nullable=False),
    Column("contact_kind", String(16), nullable=False),
    Column("preferred_time", String(200)),
    Column("consent", Boolean(create_constraint=False), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("staff_status", String(16), nullable=False, server_default="new"),
    CheckConstraint("consent", name="consultation_consent"),
    CheckConstraint("staff_status IN ('new', 'contacted', 'closed')", name="consultation_staff_status"),
)

# The staff inbox (bot/staff/inbox.py).
staff_users = Table(
    "staff_users", metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    # A session cookie names the epoch it began in; logout or a new password moves it on,
    # so copies of older cookies stop working at once (not only after the idle time).
    Column("session_epoch", Integer, nullable=False, server_default="0"),
)
staff_audit = Table(
    "staff_audit", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", String(40), nullable=False),
    Column("who", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("target", Text),
)
staff_notes = Table(
    "staff_notes", metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", String(200), nullable=False, index=True),
    Column("author", String(64), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
)

# Messaging channels (api/channels/store.py).
channel_inbox = Table(  # provider message ids already taken: the dedupe of redeliveries
    "channel_inbox", metadata,
    Column("channel", String(32), primary_key=True),
    Column("message_id", String(200), primary_key=True),
    Column("conversation_id", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("received_at", Float, nullable=False),
)
channel_options = Table(
    "channel_options", metadata,
    Column("conversation_id", String(200), primary_key=True),
    Column("payloads", Text, nullable=False),
    Column("saved_at", Float, nullable=False),
)
channel_optouts = Table(
    "channel_optouts", metadata,
    Column("conversation_id", String(200), primary_key=True),
    Column("since", Float, nullable=False),
)
channel_payload_keys = Table(
    "channel_payload_keys", metadata,
    Column("key", String(32), primary_key=True),
    Column("payload", Text, nullable=False),
)

# The curators' log of unsure turns (bot/curation/log.py): no sender id, redacted text.
unsure_questions = Table(
    "unsure_questions", metadata,
    Column("id", Integer, primary_key=True),
    Column("asked_at", DateTime, nullable=False, index=True),  # naive UTC
    Column("channel", String(32), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("question", Text, nullable=False),
    Column("offered", Text, nullable=False),  # JSON list of topic ids
    Column("chosen", String(64)),
)
