"""Rasa's conversation store, kept in kapbot's one database (``Settings.database``).

Rasa's SQLTrackerStore creates and writes the ``events`` table itself: one row per event
(sender_id, type_name, timestamp, data as JSON). kapbot reads it for the staff inbox and
deletes from it for retention, through ``EVENTS`` below; the schema stays Rasa's, outside
kapbot's own tables and migrations.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, inspect
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.storage.rasa_store import ConversationStore

# The columns of rasa.core.tracker_store.SQLTrackerStore.SQLEvent, in a MetaData of its own.
EVENTS = Table(
    "events", MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


def tracker_store(settings: Settings) -> ConversationStore:
    """Rasa's SQL tracker store on the settings' database; it creates its table when missing."""
    from bot.storage.rasa_store import ConversationStore  # imports Rasa, which only the service needs

    # Rasa takes a whole SQLAlchemy URL in `host` (SQLTrackerStore.get_db_url).
    return ConversationStore(host=settings.database)


def has_conversations(engine: Engine) -> bool:
    """False until Rasa has created its table (on the service's first start)."""
    return inspect(engine).has_table(EVENTS.name)
