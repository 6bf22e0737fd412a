"""kapbot's tables as bot/storage/tables.py declared them when migrations began.

Revision ID: 0001
Revises:
Create Date: 2026-12-03

Written by hand. The schema is a frozen copy, not an import of tables.py: a later change to
tables.py is a later revision. A database made before migrations (by ``create_all``) is
compared with this schema and, when it matches, stamped at this revision
(bot/storage/migrations/__init__.py).
"""
from typing import Sequence, Union

from alembic import op
from sqlalchemy import Boolean, CheckConstraint, Column, Float, Index, Integer, MetaData, String, Table, Text

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The names of tables.py's naming convention (PostgreSQL's own for primary keys).
schema = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "%(table_name)s_pkey",
})

Table(
    "outbox", schema,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("destination", Text, nullable=False),
    Column("ordering_key", String(200)),
    Column("ref", Integer),
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
Table(
    "consultation_requests", schema,
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
Table(
    "staff_users", schema,
    Column("username", String(64), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("session_epoch", Integer, nullable=False, server_default="0"),
)
Table(
    "staff_audit", schema,
    Column("id", Integer, primary_key=True),
    Column("at", String(40), nullable=False),
    Column("who", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("target", Text),
)
Table(
    "staff_notes", schema,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", String(200), nullable=False, index=True),
    Column("author", String(64), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
)
Table(
    "channel_inbox", schema,
    Column("channel", String(32), primary_key=True),
    Column("message_id", String(200), primary_key=True),
    Column("conversation_id", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("received_at", Float, nullable=False),
)
Table(
    "channel_options", schema,
    Column("conversation_id", String(200), primary_key=True),
    Column("payloads", Text, nullable=False),
    Column("saved_at", Float, nullable=False),
)
Table(
    "channel_optouts", schema,
    Column("conversation_id", String(200), primary_key=True),
    Column("since", Float, nullable=False),
)
Table(
    "channel_payload_keys", schema,
    Column("key", String(32), primary_key=True),
    Column("payload", Text, nullable=False),
)


def upgrade() -> None:
    schema.create_all(op.get_bind(), checkfirst=False)


def downgrade() -> None:
    schema.drop_all(op.get_bind(), checkfirst=False)
