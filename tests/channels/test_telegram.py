"""Telegram: updates in with the webhook secret, replies out to a fake Bot API on loopback.

The transport tests answer with the fake assistant; the last ones (marked slow)
go through the real model."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

import pytest
from werkzeug import Response

import api.channels.delivery as delivery
from bot.storage.database import open_database
from tests.channels.conftest import (
    SECRETS,
    TELEGRAM_CALLBACK,
    TELEGRAM_SECRET,
    TELEGRAM_SEND,
    open_client,
    requests_to,
    unique_int,
    wait_for,
)
from tests.channels.fake_assistant import CRISIS, LONG, SESSION_LENGTH, FakeAssistant

PATH = "/webhooks/telegram/webhook"
OK = {"ok": True, "result": {}}


def update(chat_id: int, text: Optional[str] = None, callback: Optional[str] = None,
           update_id: Optional[int] = None) -> Dict[str, Any]:
    body: Dict[str, Any] = {"update_id": update_id or unique_int()}
    message = {"message_id": unique_int(), "date": 1700000000,
               "chat": {"id": chat_id, "type": "private"}, "from": {"id": chat_id, "is_bot": False}}
    if callback is None:
        body["message"] = {**message, "text": text}
    else:
        body["callback_query"] = {"id": str(unique_int()), "from": {"id": chat_id, "is_bot": False},
                                  "message": message, "chat_instance": "1", "data": callback}
    return body


def post(client, body: Dict[str, Any], secret: Optional[str] = TELEGRAM_SECRET):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post(PATH, json=body, headers=headers)


def sent_to(server, chat_id: int) -> List[Dict[str, Any]]:
    return [body for body in requests_to(server, TELEGRAM_SEND) if body["chat_id"] == chat_id]


@pytest.fixture
def telegram(httpserver):
    httpserver.expect_request(TELEGRAM_SEND, method="POST").respond_with_json(OK)
    httpserver.expect_request(TELEGRAM_CALLBACK, method="POST").respond_with_json(OK)
    return httpserver


def test_a_message_is_answered_through_send_message(channels_client, telegram) -> None:
    chat = unique_int()
    response = post(channels_client, update(chat, SESSION_LENGTH))
    assert response.status_code == 200 and response.json() == {"ok": True}
    sent = sent_to(telegram, chat)
    assert any("one and two hours" in body["text"] for body in sent)
    keyboard = sent[-1]["reply_markup"]["inline_keyboard"]
    assert keyboard[0][0] == {"text": "Tell me more", "callback_data": "/tell_me_more"}
    assert all(len(row[0]["callback_data"].encode()) <= 64 for row in keyboard)


def test_a_long_answer_goes_in_parts_within_the_limit(channels_client, telegram) -> None:
    chat = unique_int()
    post(channels_client, update(chat, LONG))
    sent = sent_to(telegram, chat)
    assert len(sent) > 1 and all(len(body["text"]) <= 4096 for body in sent)
    assert all(body["text"].endswith(".") for body in sent)


@pytest.mark.parametrize("secret", ["wrong-secret", None])
def test_a_wrong_or_missing_secret_is_refused(channels_client, telegram, runtime, fake: FakeAssistant,
                                              secret) -> None:
    chat = unique_int()
    response = post(channels_client, update(chat, SESSION_LENGTH), secret=secret)
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert telegram.log == []
    assert fake.texts(runtime.conversation_id("telegram", str(chat))) == []


def test_an_update_without_a_message_is_acknowledged(channels_client, telegram) -> None:
    for body in ({"update_id": unique_int(), "edited_message": {"text": "x"}}, {"no": "update"}):
        response = post(channels_client, body)
        assert response.status_code == 200 and response.json() == {"ok": True}
    assert telegram.log == []


def test_a_redelivered_update_is_not_answered_twice(channels_client, telegram) -> None:
    chat = unique_int()
    body = update(chat, SESSION_LENGTH)
    post(channels_client, body)
    count = len(sent_to(telegram, chat))
    assert count >= 1
    second = post(channels_client, body)
    assert second.status_code == 200
    assert len(sent_to(telegram, chat)) == count


def test_a_pressed_button_is_acknowledged_and_read_as_the_message(channels_client, telegram, runtime,
                                                                   fake: FakeAssistant) -> None:
    chat = unique_int()
    body = update(chat, callback='/faq{"topic":"during.experience"}')
    assert post(channels_client, body).status_code == 200
    answered = requests_to(telegram, TELEGRAM_CALLBACK)
    assert {"callback_query_id": body["callback_query"]["id"]} in answered
    assert sent_to(telegram, chat)
    conversation = runtime.conversation_id("telegram", str(chat))
    assert fake.texts(conversation) == ['/faq{"topic":"during.experience"}']
    # The callback was acknowledged before the answer went out.
    paths = [request.path for request, _ in telegram.log]
    assert paths.index(TELEGRAM_CALLBACK) < paths.index(TELEGRAM_SEND)


def test_a_long_payload_travels_as_a_short_key(channels_client, telegram, runtime, fake: FakeAssistant) -> None:
    from api.channels.buttons import fit_payload

    payload = '/faq{"topic":"during.experience"}' + " " * 80  # over Telegram's 64 bytes
    key = fit_payload(runtime.store, payload, 64)
    assert len(key.encode()) <= 64 and runtime.store.payload_for(key) == payload
    chat = unique_int()
    post(channels_client, update(chat, callback=key))
    conversation = runtime.conversation_id("telegram", str(chat))
    assert fake.texts(conversation) == ['/faq{"topic":"during.experience"}']  # cleaned, as any message


def test_a_crisis_message_gets_the_crisis_resources(channels_client, telegram) -> None:
    chat = unique_int()
    post(channels_client, update(chat, CRISIS))
    assert "988" in sent_to(telegram, chat)[0]["text"]
    assert "](tel:" not in sent_to(telegram, chat)[0]["text"]


def test_a_failed_send_is_retried(channels_client, httpserver, runtime) -> None:
    statuses = iter([500])

    def flaky(request):
        return Response("down", status=next(statuses, 200), content_type="text/plain")

    httpserver.expect_request(TELEGRAM_SEND, method="POST").respond_with_handler(flaky)
    chat = unique_int()
    post(channels_client, update(chat, SESSION_LENGTH))
    sent = sent_to(httpserver, chat)
    assert sent[0] == sent[1]  # the first call, once failed (500), once again (200)
    assert [status for _, status in ((r, resp.status_code) for r, resp in httpserver.log)][:2] == [500, 200]
    assert {row["status"] for row in runtime.store.outbox_status()} <= {"sent", "failed"}
    assert runtime.store.pending() == []


def test_an_outage_loses_nothing_the_next_delivery_sends_it_first(
    channels_client, httpserver, runtime, monkeypatch
) -> None:
    monkeypatch.setattr(delivery, "CHANNEL_RETRY", delivery.CHANNEL_RETRY.copy(update={"first_delay": 0.0}))
    httpserver.expect_request(TELEGRAM_SEND, method="POST").respond_with_data("down", status=503)
    chat = unique_int()
    post(channels_client, update(chat, LONG))
    pending = runtime.store.pending()
    assert pending and {row.channel for row in pending} == {"telegram"}
    first = next(row for row in runtime.store.outbox_status() if row["id"] == pending[0].id)
    assert first["last_error"] == "HTTP 503" and first["attempts"] == 1
    assert len(pending) >= 2  # the later part waited behind it, untried
    # The provider is back: the next webhook flushes the backlog, oldest first.
    httpserver.clear()
    httpserver.expect_request(TELEGRAM_SEND, method="POST").respond_with_json(OK)
    post(channels_client, update(chat, SESSION_LENGTH))
    texts = [body["text"] for body in sent_to(httpserver, chat)]
    assert texts[0].startswith("Point 1:") and "one and two hours" in texts[-1]  # in order
    assert runtime.store.pending() == []


def test_a_send_left_pending_is_delivered_after_a_restart(channels_settings, fake, httpserver,
                                                          monkeypatch) -> None:
    monkeypatch.setattr(delivery, "CHANNEL_RETRY", delivery.CHANNEL_RETRY.copy(update={"first_delay": 0.0}))
    settings = channels_settings.copy(update={"var_dir": channels_settings.var_dir.parent / "restart-var"})
    httpserver.expect_request(TELEGRAM_SEND, method="POST").respond_with_data("down", status=502)
    chat = unique_int()
    with open_client(settings, fake) as client:
        post(client, update(chat, SESSION_LENGTH))
        assert client.app.state.channels.store.pending()
    httpserver.clear()
    httpserver.expect_request(TELEGRAM_SEND, method="POST").respond_with_json(OK)
    with open_client(settings, fake) as client:  # a new process on the same var dir
        store = client.app.state.channels.store
        # Not just "no longer pending": a call being sent is no longer pending either.
        assert wait_for(lambda: [row["status"] for row in store.outbox_status()] == ["sent"])
    assert any("one and two hours" in body["text"] for body in sent_to(httpserver, chat))


def test_no_secret_or_message_text_is_logged(channels_client, httpserver, caplog) -> None:
    httpserver.expect_request(TELEGRAM_SEND, method="POST").respond_with_data("down", status=500)
    chat = unique_int()
    text = "how long is a session for my cousin Bartholomew"
    with caplog.at_level(logging.DEBUG):
        post(channels_client, update(chat, text))
        post(channels_client, update(chat, "x"), secret="a-wrong-guess")
    # Everything this process logged (the fake provider's own access log is not ours).
    ours = [r for r in caplog.records if not r.name.startswith("werkzeug")]
    logged = " ".join(f"{r.getMessage()} {r.args}" for r in ours)
    assert "telegram outbox" in logged  # the failure was logged...
    for secret in SECRETS + ("Bartholomew", str(chat), "a-wrong-guess"):
        assert secret not in logged  # ...without secrets, text or the raw chat id


@pytest.mark.slow
def test_a_pressed_button_reaches_the_models_topic(model_client, telegram, model_runtime, tracker) -> None:
    chat = unique_int()
    assert post(model_client, update(chat, callback='/faq{"topic":"during.experience"}')).status_code == 200
    assert sent_to(telegram, chat)
    conversation = model_runtime.conversation_id("telegram", str(chat))
    assert tracker(conversation).get_slot("current_topic") == "during.experience"


@pytest.mark.slow
def test_the_consultation_form_over_telegram_with_its_buttons(model_client, telegram, model_runtime, settings) -> None:
    from bot.staff.consultations import ConsultationStore
    from bot.staff.outbox import StaffOutbox

    chat = unique_int()

    def last_sent() -> Dict[str, Any]:
        return sent_to(telegram, chat)[-1]

    post(model_client, update(chat, callback="/request_consultation"))  # the "contact me" button
    assert "What name" in last_sent()["text"]
    post(model_client, update(chat, "it's Robin"))
    post(model_client, update(chat, "robin@example.org"))
    assert last_sent()["reply_markup"]["inline_keyboard"][0][0]["text"] == "Any time"
    post(model_client, update(chat, callback="any time"))
    consent = last_sent()
    assert "Robin" in consent["text"] and "robin@example.org" in consent["text"]
    assert [row[0]["callback_data"] for row in consent["reply_markup"]["inline_keyboard"]] == [
        "/affirm", "/request_consultation", "/deny"]
    post(model_client, update(chat, callback="/affirm"))
    assert "has been sent" in last_sent()["text"]
    conversation = model_runtime.conversation_id("telegram", str(chat))
    [stored] = [s for s in ConsultationStore(StaffOutbox(open_database(settings))).requests()
                if s.request.conversation_id == conversation]
    assert (stored.request.name, stored.request.contact, stored.request.channel) == (
        "Robin", "robin@example.org", "telegram")
