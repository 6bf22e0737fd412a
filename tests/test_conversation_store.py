"""Conversations live in the one database: Rasa's store on KAPBOT_DATABASE_URL, and what an
older release kept in var/conversations.db (conversations, the curators' log) moves in once."""
from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.curation.log import CurationLog
from bot.settings import Settings
from bot.storage.conversations import tracker_store
from bot.storage.database import open_database


def conversation(sender: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, [UserUttered("how long is a session?"), BotUttered("An hour.")])


def test_rasas_store_is_made_on_the_settings_database(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, env="test")
    store = tracker_store(settings)
    assert str(store.engine.url) == settings.database
    asyncio.run(store.save(conversation("visitor-1")))
    store.engine.dispose()
    assert (tmp_path / "kapbot.db").exists() and not (tmp_path / "conversations.db").exists()


def test_an_older_conversations_file_is_moved_in_once(tmp_path: Path) -> None:
    old = tmp_path / "conversations.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(old))  # as older releases kept it
    asyncio.run(store.save(conversation("visitor-old")))
    store.engine.dispose()
    with closing(sqlite3.connect(old)) as db, db:
        db.execute("CREATE TABLE unsure_questions (id INTEGER PRIMARY KEY, asked_at DATETIME NOT NULL, "
                   "channel VARCHAR(32) NOT NULL, kind VARCHAR(16) NOT NULL, question TEXT NOT NULL, "
                   "offered TEXT NOT NULL, chosen VARCHAR(64))")
        db.execute("INSERT INTO unsure_questions VALUES (1, '2026-11-30 10:00:00.000000', 'web', 'clarification', "
                   "'is it like an iv?', '[\"during.administration\"]', NULL)")

    settings = Settings(var_dir=tmp_path, env="test")
    engine = open_database(settings)
    assert not old.exists() and (tmp_path / "conversations.db.imported").exists()
    store = tracker_store(settings)
    tracker = asyncio.run(store.retrieve("visitor-old"))
    store.engine.dispose()
    assert tracker is not None and tracker.latest_message.text == "how long is a session?"
    [question] = CurationLog(engine).since(dt.datetime(2026, 11, 1), keep_days=None)
    assert question.question == "is it like an iv?" and question.offered == ["during.administration"]
