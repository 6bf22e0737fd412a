"""Deleting conversations once clinic.yml's `data_retention.days` have passed.

clinic.yml tells patients their chat is deleted after that many days; this is what does it.
Rasa's conversation store keeps every event of a conversation with its timestamp, so each
message goes once it is older than the period, and a conversation with none left goes with it.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

from sqlalchemy import MetaData, Table, create_engine, delete, func, inspect, select

RASA_EVENTS_TABLE = "events"  # rasa.core.tracker_store.SQLTrackerStore's table
SECONDS_PER_DAY = 86400


def purge_conversations(store_path: Path, keep_days: Optional[int], dry_run: bool = False,
                        now: Optional[float] = None) -> int:
    """Delete (or with ``dry_run`` only count) the conversation events older than ``keep_days``.

    ``keep_days`` None means clinic.yml promises no period: nothing is deleted.
    """
    if keep_days is None or not store_path.exists():
        return 0
    cutoff = (time.time() if now is None else now) - keep_days * SECONDS_PER_DAY
    engine = create_engine(f"sqlite:///{store_path}", future=True)
    try:
        if not inspect(engine).has_table(RASA_EVENTS_TABLE):
            return 0
        events = Table(RASA_EVENTS_TABLE, MetaData(), autoload_with=engine)
        old = events.c.timestamp < cutoff
        with engine.begin() as db:
            count = int(db.execute(select(func.count()).select_from(events).where(old)).scalar_one())
            if not dry_run and count:
                db.execute(delete(events).where(old))
        return count
    finally:
        engine.dispose()
