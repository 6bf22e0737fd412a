"""The one database and the one outbox: what every kind of message shares.

Alerts go to a real local HTTP server (pytest_httpserver), not a mock.
"""
from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from api.channels.store import ChannelStore, Outgoing
from bot.content.clinic import Clinic
from bot.settings import Settings
from bot.staff.alerts import Alert, alert_records, now_iso
from bot.staff.consultations import ConsultationRequest, ConsultationStore
from bot.staff.contact_details import ContactKind
from bot.staff.outbox import DeliveryStatus, MessageKind, StaffOutbox
from bot.staff.smtp import Email
from bot.storage.database import DATABASE_FILE, make_engine, open_database
from bot.storage.outbox import (
    CHANNEL_RETRY,
    Outbox,
    OutboxKind,
    OutboxPolicies,
    OutboxRow,
    OutboxState,
    Outcome,
    RetryPolicy,
)
from bot.storage.tables import outbox as outbox_table

FAST = RetryPolicy(first_delay=0.01, max_delay=0.05, give_up_after=30, timeout=2, stale_claim_after=0.3)


def alert() -> Alert:
    return Alert(conversation_id="conv-1", category="self_harm", detected_at=now_iso())


def restart(settings: Settings) -> Engine:
    """What a new process gets: a new engine on the same database."""
    make_engine.cache_clear()
    return open_database(settings)


def test_alerts_requests_and_channel_replies_share_one_database_file(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path)
    engine = open_database(settings)
    staff = StaffOutbox(engine, FAST)
    with engine.begin() as db:
        staff.store(db, MessageKind.alert, "http://127.0.0.1:9/alert", alert().json())
    clinic = Clinic(name="Test Clinic", consultations={"webhook_url": "http://127.0.0.1:9/requests"})
    request = ConsultationRequest(conversation_id="c1", name="Robin", contact="robin@example.org",
                                  contact_kind=ContactKind.email, consent=True)
    ConsultationStore(staff).submit(request, clinic, Email(subject="s", text="t"))
    channels = ChannelStore(engine)
    assert channels.claim("telegram", "m-1", "telegram-abc")
    channels.finish("telegram", "m-1", [Outgoing(channel="telegram", conversation_id="telegram-abc",
                                                 method="sendMessage", payload={"text": "hi"})])
    assert not channels.claim("telegram", "m-1", "telegram-abc")  # the dedupe lives there too

    assert {p.name for p in tmp_path.glob("*.db")} == {DATABASE_FILE}
    with sqlite3.connect(tmp_path / DATABASE_FILE) as db:
        kinds = sorted(row[0] for row in db.execute("SELECT kind FROM outbox"))
        inbox = db.execute("SELECT channel, message_id FROM channel_inbox").fetchall()
    assert kinds == ["alert", "channel_message", "consultation"]
    assert inbox == [("telegram", "m-1")]


def test_an_alert_claimed_by_a_process_that_died_is_delivered_once_after_a_restart(
    httpserver, tmp_path: Path, loop
) -> None:
    httpserver.expect_request("/alert", method="POST").respond_with_data("ok")
    settings = Settings(var_dir=tmp_path)
    dead = StaffOutbox(open_database(settings), FAST)
    with dead.engine.begin() as db:
        alert_id = dead.store(db, MessageKind.alert, httpserver.url_for("/alert"), alert().json())
    [row] = dead.outbox.rows([OutboxKind.alert])
    assert dead.outbox.claim(row) is not None  # it was about to send when the process went away
    dead.engine.dispose()

    # Two new processes start at once (a later issue runs several): the alert reaches staff once.
    first, second = StaffOutbox(restart(settings), FAST), StaffOutbox(restart(settings), FAST)

    async def start_both() -> None:
        assert first.resume_pending() == 1 and second.resume_pending() == 1
        await asyncio.gather(first.drain(), second.drain())

    loop.run_until_complete(start_both())
    assert len(httpserver.log) == 1
    assert json.loads(httpserver.log[0][0].data)["category"] == "self_harm"
    [record] = alert_records(first)
    assert (record.id, record.status, record.attempts) == (alert_id, DeliveryStatus.sent, 1)


def test_a_row_is_claimed_by_one_sender_only(tmp_path: Path) -> None:
    engine = open_database(Settings(var_dir=tmp_path))
    outbox = Outbox(engine, OutboxPolicies(by_kind={OutboxKind.alert: FAST}))
    with engine.begin() as db:
        outbox.add(db, OutboxKind.alert, "http://127.0.0.1:9/", "{}")
    [row] = outbox.rows()
    claimed = outbox.claim(row)
    assert claimed is not None and claimed.state is OutboxState.sending
    assert outbox.claim(row) is None  # a second sender, in this process or another
    time.sleep(FAST.stale_claim_after + 0.05)
    taken_over = outbox.claim(row)  # the first sender died: its claim went stale
    assert taken_over is not None
    assert outbox.settle(claimed, Outcome()) is None  # the first sender's late answer does not count
    assert outbox.settle(taken_over, Outcome()) is OutboxState.sent
    assert outbox.rows()[0].attempts == 1


def test_a_channel_reply_waits_behind_an_earlier_one_and_is_erased_once_sent(tmp_path: Path, loop) -> None:
    engine = open_database(Settings(var_dir=tmp_path))
    store = ChannelStore(engine)
    calls = [Outgoing(channel="telegram", conversation_id="telegram-abc", method="sendMessage", payload={"n": n})
             for n in (1, 2)]
    assert store.claim("telegram", "m-1", "telegram-abc")
    store.finish("telegram", "m-1", calls)
    outbox = Outbox(engine, OutboxPolicies(by_kind={OutboxKind.channel_message: CHANNEL_RETRY}))
    tried = []

    async def down(row: OutboxRow) -> Outcome:
        tried.append(json.loads(row.payload)["n"])
        return Outcome(error="HTTP 503")

    async def up(row: OutboxRow) -> Outcome:
        tried.append(json.loads(row.payload)["n"])
        return Outcome()

    assert loop.run_until_complete(outbox.deliver_due([OutboxKind.channel_message], down)) == 0
    assert tried == [1]  # the second waits behind the first
    assert [row.conversation_id for row in store.pending()] == ["telegram-abc"] * 2
    with engine.begin() as db:  # the backoff has passed
        db.execute(outbox_table.update().values(next_attempt_at=0))
    assert loop.run_until_complete(outbox.deliver_due([OutboxKind.channel_message], up)) == 2
    assert tried == [1, 1, 2]
    assert all(row.payload == "{}" for row in outbox.rows())  # no visitor text kept once sent
    assert [s["attempts"] for s in store.outbox_status()] == [2, 1]


def test_backoff_doubles_up_to_its_cap_and_the_channel_policy_gives_up_after_eight_tries() -> None:
    policy = RetryPolicy(first_delay=1, max_delay=5)
    assert [policy.delay(n) for n in range(1, 6)] == [1, 2, 4, 5, 5]
    assert not CHANNEL_RETRY.spent(7, time.time(), time.time()) and CHANNEL_RETRY.spent(8, time.time(), time.time())


def test_staff_alerts_may_never_give_up_before_channel_replies() -> None:
    assert Settings().staff_retry.give_up_after == 24 * 3600  # the default: a day
    with pytest.raises(ValidationError, match="staff alerts must be retried"):
        Settings(staff_retry=RetryPolicy(give_up_after=600))  # ten minutes: less than a channel reply
    with pytest.raises(ValidationError, match="staff alerts must be retried"):
        OutboxPolicies(by_kind={OutboxKind.alert: FAST.copy(update={"max_tries": 3}),
                                OutboxKind.channel_message: FAST})


def test_the_database_url_is_a_setting(tmp_path: Path, monkeypatch) -> None:
    assert Settings(var_dir=tmp_path).database == f"sqlite:///{tmp_path / DATABASE_FILE}"
    moved = Settings(var_dir=tmp_path).copy(update={"var_dir": tmp_path / "other"})
    assert moved.database == f"sqlite:///{tmp_path / 'other' / DATABASE_FILE}"  # follows its var dir
    monkeypatch.setenv("KAPBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    assert Settings(var_dir=tmp_path).database.endswith("elsewhere.db")
    assert open_database(Settings(var_dir=tmp_path)).url.database == str(tmp_path / "elsewhere.db")
    monkeypatch.setenv("KAPBOT_DATABASE_URL", "postgresql://kapbot:hunter2@db.internal/kapbot")
    assert "hunter2" not in repr(Settings(var_dir=tmp_path))  # a URL may hold a password


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    engine = open_database(Settings(var_dir=tmp_path))
    with engine.connect() as db:
        assert db.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert db.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_an_older_channels_db_is_moved_in_with_its_dedupe_and_unsent_calls(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "channels.db") as db:  # the previous release's schema, abridged
        db.executescript("""
            CREATE TABLE inbox (channel TEXT NOT NULL, message_id TEXT NOT NULL, conversation_id TEXT NOT NULL,
                status TEXT NOT NULL, received_at REAL NOT NULL, PRIMARY KEY (channel, message_id));
            CREATE TABLE outbox (id INTEGER PRIMARY KEY, channel TEXT NOT NULL, conversation_id TEXT NOT NULL,
                method TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
                attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL DEFAULT 0,
                claimed_at REAL, last_error TEXT, created_at REAL NOT NULL);
            INSERT INTO inbox VALUES ('telegram', 'm-9', 'telegram-abc', 'answered', 1767225600);
            INSERT INTO outbox (channel, conversation_id, method, payload, status, attempts, created_at)
                VALUES ('telegram', 'telegram-abc', 'sendMessage', '{"text": "later"}', 'sending', 2, 1767225600),
                       ('telegram', 'telegram-abc', 'sendMessage', '{}', 'sent', 1, 1767225600);
        """)
    store = ChannelStore(open_database(Settings(var_dir=tmp_path)))
    assert not store.claim("telegram", "m-9", "telegram-abc")  # answered before the upgrade: still a redelivery
    [call] = store.pending()  # the unsent one only; its dead sender's claim is dropped
    assert (call.channel, call.method, call.payload, call.attempts) == ("telegram", "sendMessage", {"text": "later"}, 2)
    assert not (tmp_path / "channels.db").exists() and (tmp_path / "channels.db.imported").exists()
