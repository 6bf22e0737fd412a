"""Rows older releases kept in files of their own, moved into kapbot's database once.

Before the one database: ``alerts.db`` (the first release's staff alerts),
``staff.db`` (staff outbox, consultation requests, staff inbox),
``channels.db`` (channel dedupe, options, opt-outs, outbox) and
``conversations.db`` (Rasa's conversation store, the curators' log). Each file is read
with sqlite3 (they were SQLite whatever the database is now), copied in one
transaction, then renamed ``*.imported`` so it is never read twice.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Tuple

from sqlalchemy import Table
from sqlalchemy.engine import Engine

from bot.log import logger
from bot.storage import tables
from bot.storage.database import sqlite_file

Row = Dict[str, Any]
# old table -> (new table, how an old row becomes a new one)
Mapping = Dict[str, Tuple[Table, Callable[[Row], Row]]]


def _same(row: Row) -> Row:
    return row


def _outbox_row(row: Row, kind: str, destination: str, **extra: Any) -> Row:
    """An old outbox row of any file as a row of the one outbox."""
    return {"kind": kind, "destination": destination, "payload": row["payload"], "state": row["status"],
            "attempts": row["attempts"], "last_error": row.get("last_error"),
            "created_at": row.get("created_at") or time.time(),
            "next_attempt_at": row.get("next_attempt_at") or 0.0, **extra}


def _staff_message(row: Row) -> Row:
    return _outbox_row(row, row["kind"], row["destination"], ref=row.get("ref"))


def _first_alert(row: Row) -> Row:
    return _outbox_row(row, "alert", row["url"])


def _unsure_question(row: Row) -> Row:
    return {**row, "asked_at": dt.datetime.fromisoformat(str(row["asked_at"]))}


def _conversations(engine: Engine) -> Mapping:
    # Rasa's own table, made as its store would make it (on PostgreSQL with its id sequence).
    from rasa.core.tracker_store import SQLTrackerStore

    events = SQLTrackerStore.SQLEvent.__table__
    events.metadata.create_all(engine)
    return {"events": (events, _same), "unsure_questions": (tables.unsure_questions, _unsure_question)}


def _channel_call(row: Row) -> Row:
    return _outbox_row(
        {**row, "status": "pending" if row["status"] == "sending" else row["status"]},  # its sender is gone
        "channel_message", f"{row['channel']}:{row['method']}", ordering_key=row["conversation_id"])


FILES: Dict[str, Callable[[Engine], Mapping]] = {
    "alerts.db": lambda _: {"alerts": (tables.outbox, _first_alert)},
    "staff.db": lambda _: {
        "staff_messages": (tables.outbox, _staff_message),
        "consultation_requests": (tables.consultation_requests, _same),
        "staff_users": (tables.staff_users, _same),
        "staff_audit": (tables.staff_audit, _same),
        "staff_notes": (tables.staff_notes, _same),
    },
    "channels.db": lambda _: {
        "inbox": (tables.channel_inbox, _same),
        "options": (tables.channel_options, _same),
        "optouts": (tables.channel_optouts, _same),
        "payload_keys": (tables.channel_payload_keys, _same),
        "outbox": (tables.outbox, _channel_call),
    },
    "conversations.db": _conversations,
}
# Only the unsent (or undecided) rows of an old outbox are worth moving.
UNSENT = {"alerts": "status != 'sent'", "staff_messages": "status != 'sent'", "outbox": "status != 'sent'"}
# Tables whose rows get new ids in the new table (the old ones may clash), in their old order.
NEW_IDS = {*UNSENT, "events", "unsure_questions"}


def import_legacy_files(engine: Engine, var_dir: Path) -> int:
    """Move what older releases left in ``var_dir`` into ``engine``'s database; returns rows moved."""
    moved = 0
    current = sqlite_file(engine)
    for name, mapping in FILES.items():
        path = var_dir / name
        # KAPBOT_DATABASE_URL may name an old file itself: that one is the database now, not a leftover.
        if path.exists() and (current is None or path.resolve() != current.resolve()):
            moved += _import(engine, path, mapping(engine))
    return moved


def _import(engine: Engine, path: Path, mapping: Mapping) -> int:
    batches: List[Tuple[Table, List[Row]]] = []
    with closing(sqlite3.connect(path)) as old:
        old.row_factory = sqlite3.Row
        present = {row[0] for row in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for old_table, (table, convert) in mapping.items():
            if old_table not in present:
                continue
            where = f" WHERE {UNSENT[old_table]}" if old_table in UNSENT else ""
            order = " ORDER BY id" if old_table in NEW_IDS else ""
            rows = [dict(r) for r in old.execute(f"SELECT * FROM {old_table}{where}{order}")]
            if old_table in NEW_IDS:
                rows = [{k: v for k, v in convert(r).items() if k != "id"} for r in rows]
            else:
                rows = [convert(r) for r in rows]
            batches.append((table, _known_columns(table, rows)))
    with engine.begin() as db:
        for table, rows in batches:
            if rows:
                db.execute(table.insert(), rows)
    path.rename(path.with_name(path.name + ".imported"))
    count = sum(len(rows) for _, rows in batches)
    logger.info("moved %s row(s) from %s into kapbot's database", count, path.name)
    return count


def _known_columns(table: Table, rows: Iterable[Row]) -> List[Row]:
    names = set(table.c.keys())
    return [{k: v for k, v in row.items() if k in names} for row in rows]
