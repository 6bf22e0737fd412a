"""clinic.yml's retention promise is kept: what is older than data_retention.days is deleted
(conversations from Rasa's real store, the curators' log, the channels' bookkeeping), by
`kapbot purge` and by the running service; consultation requests on their own period."""
from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path
from typing import List, cast

from fastapi.testclient import TestClient
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import func, select
from typer.testing import CliRunner

from api.main import create_app
from bot.cli import app as cli
from bot.content.clinic import Clinic
from bot.content.knowledge import Knowledge
from bot.engine import Assistant
from bot.settings import Settings
from bot.storage.database import default_url
from bot.storage.retention import purge_expired
from bot.storage.tables import channel_inbox, channel_options, channel_optouts, outbox, unsure_questions
from tests.databases import database
from tests.no_model import EchoAssistant

DAY = 86400.0


def store_conversation(url: str, sender: str, ages_in_days: List[float]) -> None:
    """A conversation in Rasa's own SQL store, one message per age."""
    now = time.time()
    tracker = DialogueStateTracker(sender, slots=[])
    for age in ages_in_days:
        tracker.update(UserUttered(f"message from {age} days ago", timestamp=now - age * DAY))
        tracker.update(BotUttered("an answer", timestamp=now - age * DAY + 1))
    store = SQLTrackerStore(Domain.empty(), host=url)
    asyncio.run(store.save(tracker))
    store.engine.dispose()


def texts(url: str, sender: str) -> List[str]:
    store = SQLTrackerStore(Domain.empty(), host=url)
    tracker = asyncio.run(store.retrieve(sender))
    store.engine.dispose()
    return [] if tracker is None else [e.text for e in tracker.events if isinstance(e, UserUttered)]


def test_messages_older_than_the_period_are_deleted_and_newer_ones_kept(tmp_path: Path) -> None:
    url, engine = default_url(tmp_path), database(tmp_path)
    assert purge_expired(engine, 30) == {"unsure questions": 0, "channel records": 0}  # no conversation yet
    store_conversation(url, "old", [45, 40])
    store_conversation(url, "mixed", [31, 2])
    assert purge_expired(engine, 30, dry_run=True)["conversation events"] == 6  # counted, nothing deleted
    assert len(texts(url, "old")) == 2
    assert purge_expired(engine, 30)["conversation events"] == 6
    assert texts(url, "old") == []
    assert texts(url, "mixed") == ["message from 2 days ago"]
    assert purge_expired(engine, None) == {}  # no period promised: nothing goes


def test_the_curators_log_and_the_channels_bookkeeping_go_too(tmp_path: Path) -> None:
    engine = database(tmp_path)
    now = time.time()
    with engine.begin() as db:
        for age, name in ((40, "old"), (2, "new")):
            at = now - age * DAY
            db.execute(unsure_questions.insert().values(
                asked_at=dt.datetime.fromtimestamp(at, dt.timezone.utc).replace(tzinfo=None), channel="web",
                kind="clarification", question=f"{name} question", offered="[]"))
            db.execute(channel_inbox.insert().values(channel="sms", message_id=name, conversation_id=name,
                                                     status="done", received_at=at))
            db.execute(channel_options.insert().values(conversation_id=name, payloads="[]", saved_at=at))
            for state in ("sent", "pending"):
                db.execute(outbox.insert().values(kind="channel_message", destination="sms:send", payload="{}",
                                                  state=state, created_at=at))
            db.execute(channel_optouts.insert().values(conversation_id=name, since=at))
    assert purge_expired(engine, 30) == {"unsure questions": 1, "channel records": 3}
    with engine.connect() as db:
        assert [r.question for r in db.execute(select(unsure_questions))] == ["new question"]
        assert [r.message_id for r in db.execute(select(channel_inbox))] == ["new"]
        assert [r.conversation_id for r in db.execute(select(channel_options))] == ["new"]
        # An old reply still waiting to go out is not bookkeeping yet; a STOP is honoured until START.
        assert db.execute(select(func.count()).select_from(outbox)).scalar_one() == 3
        assert db.execute(select(func.count()).select_from(channel_optouts)).scalar_one() == 2


def test_consultation_requests_keep_their_own_period() -> None:
    clinic = Clinic(name="A clinic", data_retention={"days": 30})
    assert clinic.consultation_keep_days == 30  # unset: the clinic's retention
    clinic = Clinic(name="A clinic", data_retention={"days": 30}, consultations={"keep_days": 7})
    assert clinic.consultation_keep_days == 7


def test_kapbot_purge_deletes_what_clinic_yml_promises(tmp_path: Path, monkeypatch) -> None:
    store_conversation(default_url(tmp_path), "old", [400])
    monkeypatch.setenv("KAPBOT_VAR_DIR", str(tmp_path))
    from bot.settings import get_settings

    get_settings.cache_clear()
    try:
        dry = CliRunner().invoke(cli, ["purge", "--dry-run"])
        assert dry.exit_code == 0 and "would delete 2 conversation events older than 30 days" in dry.output
        assert texts(default_url(tmp_path), "old")
        done = CliRunner().invoke(cli, ["purge"])
        assert done.exit_code == 0 and "deleted 2 conversation events older than 30 days" in done.output
    finally:
        get_settings.cache_clear()
    assert texts(default_url(tmp_path), "old") == []


def test_the_service_purges_while_it_runs(settings: Settings, tmp_path: Path) -> None:
    own = settings.copy(update={"var_dir": tmp_path})
    store_conversation(own.database, "old", [400])
    assistant = cast(Assistant, EchoAssistant(Knowledge.from_settings(own)))
    with TestClient(create_app(own, assistant=assistant)):
        deadline = time.monotonic() + 10
        while texts(own.database, "old") and time.monotonic() < deadline:
            time.sleep(0.1)
    assert texts(own.database, "old") == []
