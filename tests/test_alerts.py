"""Staff alerts reach a real local HTTP server, without message text, and outlast failures and restarts."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid

import pytest
from werkzeug import Response

from bot.content.clinic import load_clinic
from bot.content.knowledge import Knowledge
from bot.engine import Assistant
from bot.staff.alerts import Alert, alert_records, now_iso
from bot.staff.outbox import DeliveryStatus, MessageKind, RetryPolicy, StaffOutbox
from tests.databases import database
from tests.paths import PROJECT_DIR

FAST = RetryPolicy(first_delay=0.01, max_delay=0.05, give_up_after=30, timeout=0.5)


def alert(**fields) -> Alert:
    return Alert(conversation_id="conv-1", category="self_harm", detected_at=now_iso(), **fields)


def test_alert_is_delivered(httpserver, tmp_path, loop) -> None:
    httpserver.expect_oneshot_request("/alert", method="POST").respond_with_data("ok")
    queue = StaffOutbox(database(tmp_path), FAST)

    async def go() -> None:
        queue.enqueue(MessageKind.alert, httpserver.url_for("/alert"), alert())
        await queue.drain()

    loop.run_until_complete(go())
    assert alert_records(queue)[0].status is DeliveryStatus.sent
    # The server is shared: another test's outbox may still post to it, so find ours.
    body = json.loads(next(request.data for request, _ in httpserver.log if request.path == "/alert"))
    assert body["conversation_id"] == "conv-1" and body["category"] == "self_harm"
    assert body["message_text"] is None and body["opted_out"] is False


def test_failed_alert_is_retried_then_sent(httpserver, tmp_path, loop) -> None:
    calls = []

    def flaky(request):
        calls.append(request)
        return Response("down", status=503) if len(calls) < 3 else Response("ok")

    httpserver.expect_request("/alert").respond_with_handler(flaky)
    queue = StaffOutbox(database(tmp_path), FAST)

    async def go() -> None:
        queue.enqueue(MessageKind.alert, httpserver.url_for("/alert"), alert())
        await queue.drain()

    loop.run_until_complete(go())
    assert len(calls) == 3
    record = alert_records(queue)[0]
    assert (record.status, record.attempts, record.last_error) == (DeliveryStatus.sent, 3, None)


def test_alert_keeps_trying_until_its_time_is_up_then_shows_as_failed(tmp_path, loop) -> None:
    # No try limit, only time: it must keep trying until then. Under a loaded machine
    # one refused try can take 100 ms, so the period leaves room for several.
    policy = FAST.copy(update={"give_up_after": 1.5})
    queue = StaffOutbox(database(tmp_path), policy)
    started = time.monotonic()

    async def go() -> None:
        queue.enqueue(MessageKind.alert, "http://127.0.0.1:9/unreachable", alert(channel="sms", opted_out=True))
        await queue.drain()

    loop.run_until_complete(go())
    assert time.monotonic() - started >= 1.5  # tries for the whole period, not a fixed count
    record = alert_records(queue, DeliveryStatus.failed)[0]
    assert record.attempts > 3 and record.last_error and record.opted_out


def test_alert_refused_for_a_while_is_delivered_after_a_restart(httpserver, tmp_path, loop) -> None:
    refusing = True
    calls = []

    def webhook(request):
        calls.append(refusing)
        return Response("not now", status=503) if refusing else Response("ok")

    httpserver.expect_request("/alert").respond_with_handler(webhook)
    first = StaffOutbox(database(tmp_path), FAST)

    async def fail_for_a_while_then_die() -> None:
        first.enqueue(MessageKind.alert, httpserver.url_for("/alert"), alert())
        while len(calls) < 3:
            await asyncio_sleep(0.01)
        await first.abandon()  # the process goes away mid-retry

    loop.run_until_complete(fail_for_a_while_then_die())
    assert alert_records(first)[0].status is DeliveryStatus.pending
    refusing = False
    second = StaffOutbox(database(tmp_path), FAST)

    async def restart() -> int:
        count = second.resume_pending()
        await second.drain()
        return count

    assert loop.run_until_complete(restart()) == 1
    record = alert_records(second)[0]
    # A try cut off by the process going away may reach the server without being counted.
    assert record.status is DeliveryStatus.sent and len(calls) - 1 <= record.attempts <= len(calls) and len(calls) > 3
    assert calls[-1] is False and all(calls[:-1])


def test_the_outbox_takes_over_unsent_alerts_from_an_older_alerts_db(tmp_path) -> None:
    import sqlite3

    path = tmp_path / "alerts.db"
    with sqlite3.connect(path) as db:  # the first release's table
        db.execute("CREATE TABLE alerts (id INTEGER PRIMARY KEY, url TEXT NOT NULL, payload TEXT NOT NULL,"
                   " status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT)")
        db.execute("INSERT INTO alerts (url, payload) VALUES (?, ?)", ("http://127.0.0.1:9/", alert().json()))
    from bot.settings import Settings
    from bot.storage.database import open_database

    records = alert_records(StaffOutbox(open_database(Settings(var_dir=tmp_path)), FAST), DeliveryStatus.pending)
    assert len(records) == 1 and records[0].category == "self_harm"
    assert not path.exists()  # imported once, not again on the next start


def test_kapbot_alerts_lists_failed_alerts_without_text(tmp_path, loop) -> None:
    queue = StaffOutbox(database(tmp_path), FAST.copy(update={"give_up_after": 0.1}))

    async def go() -> None:
        queue.enqueue(MessageKind.alert, "http://127.0.0.1:9/unreachable", alert(message_text="my secret words"))
        await queue.drain()

    loop.run_until_complete(go())
    env = {**os.environ, "KAPBOT_VAR_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "alerts", "--failed"], cwd=PROJECT_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "failed" in result.stdout and "self_harm" in result.stdout
    assert "secret" not in result.stdout + result.stderr


async def asyncio_sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


@pytest.mark.slow
@pytest.mark.parametrize("include_text", [False, True])
def test_crisis_conversation_alerts_staff(httpserver, tmp_path, settings, assistant, loop, include_text) -> None:
    httpserver.expect_request("/staff").respond_with_data("ok")
    clinic_file = tmp_path / "clinic.yml"
    clinic = load_clinic(settings.clinic_file).copy(deep=True)
    raw = json.loads(clinic.json(exclude_none=True))
    raw["alerts"] = {"webhook_url": httpserver.url_for("/staff"), "include_message_text": include_text}
    clinic_file.write_text(json.dumps(raw))
    alerting = Assistant(assistant.agent, settings, Knowledge(settings.content_dir, clinic_file))
    alerting.outbox = StaffOutbox(database(tmp_path), FAST)
    sender = "alert-" + uuid.uuid4().hex[:8]

    async def go() -> None:
        await alerting.respond(sender, "I took a whole bottle of pills and feel really weird")
        await alerting.respond(sender, "how long is a session")  # not a new crisis: no alert
        # Suicidality as a subject: the lines as a note, no alert.
        await alerting.respond("subject-" + sender, "how do you screen for suicide risk at intake?")
        await alerting.outbox.drain()

    loop.run_until_complete(go())
    assert len(httpserver.log) == 1
    body = json.loads(httpserver.log[0][0].data)
    assert body["conversation_id"] == sender and body["category"] == "medical_emergency"
    assert (body["message_text"] is not None) is include_text
