"""clinic.yml's retention promise is kept: conversations older than data_retention.days are
deleted, from Rasa's real conversation store, by `kapbot purge` and by the running service."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import List, cast

from fastapi.testclient import TestClient
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from typer.testing import CliRunner

from api.main import create_app
from bot.cli import app as cli
from bot.content.knowledge import Knowledge
from bot.engine import Assistant
from bot.settings import Settings
from bot.storage.retention import purge_conversations
from tests.no_model import EchoAssistant

DAY = 86400.0


def store_conversation(path: Path, sender: str, ages_in_days: List[float]) -> None:
    """A conversation in Rasa's own SQL store, one message per age."""
    now = time.time()
    tracker = DialogueStateTracker(sender, slots=[])
    for age in ages_in_days:
        tracker.update(UserUttered(f"message from {age} days ago", timestamp=now - age * DAY))
        tracker.update(BotUttered("an answer", timestamp=now - age * DAY + 1))
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    asyncio.run(store.save(tracker))
    store.engine.dispose()


def texts(path: Path, sender: str) -> List[str]:
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    tracker = asyncio.run(store.retrieve(sender))
    store.engine.dispose()
    return [] if tracker is None else [e.text for e in tracker.events if isinstance(e, UserUttered)]


def test_messages_older_than_the_period_are_deleted_and_newer_ones_kept(tmp_path: Path) -> None:
    path = tmp_path / "conversations.db"
    store_conversation(path, "old", [45, 40])
    store_conversation(path, "mixed", [31, 2])
    assert purge_conversations(path, 30, dry_run=True) == 6  # counted, nothing deleted yet
    assert len(texts(path, "old")) == 2
    assert purge_conversations(path, 30) == 6
    assert texts(path, "old") == []
    assert texts(path, "mixed") == ["message from 2 days ago"]
    assert purge_conversations(path, None) == 0  # no period promised: nothing goes


def test_kapbot_purge_deletes_what_clinic_yml_promises(tmp_path: Path, monkeypatch) -> None:
    store_conversation(tmp_path / "conversations.db", "old", [400])
    monkeypatch.setenv("KAPBOT_VAR_DIR", str(tmp_path))
    from bot.settings import get_settings

    get_settings.cache_clear()
    try:
        dry = CliRunner().invoke(cli, ["purge", "--dry-run"])
        assert dry.exit_code == 0 and "would delete 2 conversation event(s)" in dry.output
        done = CliRunner().invoke(cli, ["purge"])
        assert done.exit_code == 0 and "deleted 2 conversation event(s)" in done.output
    finally:
        get_settings.cache_clear()
    assert texts(tmp_path / "conversations.db", "old") == []


def test_the_service_purges_while_it_runs(settings: Settings, tmp_path: Path) -> None:
    own = settings.copy(update={"var_dir": tmp_path})
    store_conversation(own.sqlite_path, "old", [400])
    assistant = cast(Assistant, EchoAssistant(Knowledge.from_settings(own)))
    with TestClient(create_app(own, assistant=assistant)):
        deadline = time.monotonic() + 10
        while texts(own.sqlite_path, "old") and time.monotonic() < deadline:
            time.sleep(0.1)
    assert texts(own.sqlite_path, "old") == []
