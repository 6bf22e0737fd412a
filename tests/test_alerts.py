"""Staff alerts reach a real local HTTP server, without message text, and survive failures."""
from __future__ import annotations

import json
import uuid

import pytest
from werkzeug import Response

from bot.alerts import Alert, AlertQueue, now_iso
from bot.clinic import load_clinic
from bot.engine import Assistant
from bot.knowledge import Knowledge


def alert(**fields) -> Alert:
    return Alert(conversation_id="conv-1", category="self_harm", detected_at=now_iso(), **fields)


def test_alert_is_delivered(httpserver, tmp_path, loop) -> None:
    httpserver.expect_oneshot_request("/alert", method="POST").respond_with_data("ok")
    queue = AlertQueue(tmp_path / "alerts.db", base_delay=0.01)

    async def go() -> None:
        queue.enqueue(httpserver.url_for("/alert"), alert())
        await queue.drain()

    loop.run_until_complete(go())
    assert queue.status()[0]["status"] == "sent"
    body = json.loads(httpserver.log[0][0].data)
    assert body["conversation_id"] == "conv-1" and body["category"] == "self_harm"
    assert body["message_text"] is None


def test_failed_alert_is_retried_then_sent(httpserver, tmp_path, loop) -> None:
    calls = []

    def flaky(request):
        calls.append(request)
        return Response("down", status=503) if len(calls) < 3 else Response("ok")

    httpserver.expect_request("/alert").respond_with_handler(flaky)
    queue = AlertQueue(tmp_path / "alerts.db", base_delay=0.01)

    async def go() -> None:
        queue.enqueue(httpserver.url_for("/alert"), alert())
        await queue.drain()

    loop.run_until_complete(go())
    assert len(calls) == 3
    assert queue.status()[0] == {"id": 1, "status": "sent", "attempts": 3, "last_error": None}


def test_alert_that_keeps_failing_is_recorded_not_lost(tmp_path, loop) -> None:
    queue = AlertQueue(tmp_path / "alerts.db", base_delay=0.01, timeout=0.5)

    async def go() -> None:
        queue.enqueue("http://127.0.0.1:9/unreachable", alert())
        await queue.drain()

    loop.run_until_complete(go())
    status = queue.status()[0]
    assert status["status"] == "failed" and status["attempts"] == 5 and status["last_error"]


def test_pending_alert_is_resent_by_a_new_process(httpserver, tmp_path, loop) -> None:
    httpserver.expect_request("/alert").respond_with_data("ok")
    first = AlertQueue(tmp_path / "alerts.db")
    with first._connect() as db:  # as if the process died before sending
        db.execute("INSERT INTO alerts (url, payload) VALUES (?, ?)", (httpserver.url_for("/alert"), alert().json()))
    second = AlertQueue(tmp_path / "alerts.db", base_delay=0.01)

    async def go() -> int:
        count = second.resume_pending()
        await second.drain()
        return count

    assert loop.run_until_complete(go()) == 1
    assert second.status()[0]["status"] == "sent"


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
    alerting.alerts = AlertQueue(tmp_path / "alerts.db", base_delay=0.01)
    sender = "alert-" + uuid.uuid4().hex[:8]

    async def go() -> None:
        await alerting.respond(sender, "I took a whole bottle of pills and feel really weird")
        await alerting.respond(sender, "how long is a session")  # not a new crisis: no alert
        await alerting.alerts.drain()

    loop.run_until_complete(go())
    assert len(httpserver.log) == 1
    body = json.loads(httpserver.log[0][0].data)
    assert body["conversation_id"] == sender and body["category"] == "medical_emergency"
    assert (body["message_text"] is not None) is include_text
