"""Facebook Messenger: the handshake, signed events in, Send API calls out to a fake Graph API.

The transport tests answer with the fake assistant; the last ones (marked slow)
go through the real model."""
from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any, Dict, List, Optional

import pytest
from werkzeug import Response

from bot.storage.database import open_database
from tests.channels.conftest import (
    FB_APP_SECRET,
    FB_PAGE_TOKEN,
    FB_VERIFY_TOKEN,
    MESSENGER_SEND,
    requests_to,
    unique_int,
)
from tests.channels.fake_assistant import CRISIS, LONG, SESSION_LENGTH, FakeAssistant

PATH = "/webhooks/facebook/webhook"


def event(psid: str, text: Optional[str] = None, quick_reply: Optional[str] = None,
          postback: Optional[str] = None, mid: Optional[str] = None, echo: bool = False) -> Dict[str, Any]:
    body: Dict[str, Any] = {"sender": {"id": psid}, "recipient": {"id": "PAGE"}, "timestamp": unique_int()}
    if postback is not None:
        body["postback"] = {"title": "Menu", "payload": postback, "mid": mid or "m_" + uuid.uuid4().hex}
    else:
        body["message"] = {"mid": mid or "m_" + uuid.uuid4().hex, "text": text or ""}
        if quick_reply is not None:
            body["message"]["quick_reply"] = {"payload": quick_reply}
        if echo:
            body["message"]["is_echo"] = True
    return body


def hook(*events: Dict[str, Any]) -> bytes:
    return json.dumps({"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": list(events)}]}).encode()


def post(client, body: bytes, secret: Optional[str] = FB_APP_SECRET, signature: Optional[str] = None):
    if signature is None and secret is not None:
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return client.post(PATH, content=body, headers=headers)


def sent_to(server, psid: str) -> List[Dict[str, Any]]:
    return [body for body in requests_to(server, MESSENGER_SEND) if body["recipient"]["id"] == psid]


def new_psid() -> str:
    return str(unique_int()) + str(unique_int())


@pytest.fixture
def graph(httpserver):
    httpserver.expect_request(MESSENGER_SEND, method="POST").respond_with_json({"message_id": "m_1"})
    return httpserver


def test_the_handshake_echoes_the_challenge(channels_client) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": FB_VERIFY_TOKEN, "hub.challenge": "1158201444"}
    response = channels_client.get(PATH, params=query)
    assert response.status_code == 200 and response.text == "1158201444"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize("mode, token", [("subscribe", "wrong"), ("unsubscribe", FB_VERIFY_TOKEN), (None, None)])
def test_a_wrong_handshake_is_refused(channels_client, mode, token) -> None:
    query = {k: v for k, v in {"hub.mode": mode, "hub.verify_token": token}.items() if v is not None}
    response = channels_client.get(PATH, params={**query, "hub.challenge": "42"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


def test_a_message_is_answered_through_the_send_api(channels_client, graph) -> None:
    psid = new_psid()
    response = post(channels_client, hook(event(psid, SESSION_LENGTH)))
    assert response.status_code == 200
    sent = sent_to(graph, psid)
    assert any("one and two hours" in body["message"]["text"] for body in sent)
    assert all(body["messaging_type"] == "RESPONSE" for body in sent)
    replies = sent[-1]["message"]["quick_replies"]
    assert replies[0] == {"content_type": "text", "title": "Tell me more", "payload": "/tell_me_more"}
    assert all(len(reply["title"]) <= 20 for reply in replies)
    assert replies[-1]["title"] == "How many sessions\u2026"  # "How many sessions will I need?", cut between words
    request = next(r for r, _ in graph.log if r.path == MESSENGER_SEND)
    assert request.args["access_token"] == FB_PAGE_TOKEN


@pytest.mark.parametrize("kind", ["wrong secret", "no header", "tampered body"])
def test_a_bad_signature_is_refused(channels_client, graph, runtime, fake: FakeAssistant, kind) -> None:
    psid = new_psid()
    body = hook(event(psid, SESSION_LENGTH))
    if kind == "wrong secret":
        response = post(channels_client, body, secret="not-the-app-secret")
    elif kind == "no header":
        response = post(channels_client, body, secret=None)
    else:
        signature = "sha256=" + hmac.new(FB_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        response = post(channels_client, body.replace(b"session", b"sessions"), signature=signature)
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert graph.log == []
    assert fake.texts(runtime.conversation_id("messenger", psid)) == []


def test_a_redelivered_event_is_not_answered_twice(channels_client, graph) -> None:
    psid = new_psid()
    body = hook(event(psid, SESSION_LENGTH))
    post(channels_client, body)
    count = len(sent_to(graph, psid))
    assert count >= 1
    assert post(channels_client, body).status_code == 200
    assert len(sent_to(graph, psid)) == count


def test_a_quick_reply_payload_is_the_message(channels_client, graph, runtime, fake: FakeAssistant) -> None:
    psid = new_psid()
    post(channels_client, hook(event(psid, "What does it feel like?",
                                     quick_reply='/faq{"topic":"after.going_home"}')))
    assert sent_to(graph, psid)
    conversation = runtime.conversation_id("messenger", psid)
    assert fake.texts(conversation) == ['/faq{"topic":"after.going_home"}']


def test_a_postback_payload_is_the_message(channels_client, graph, runtime, fake: FakeAssistant) -> None:
    psid = new_psid()
    post(channels_client, hook(event(psid, postback='/faq{"topic":"during.experience"}')))
    assert sent_to(graph, psid)
    conversation = runtime.conversation_id("messenger", psid)
    assert fake.texts(conversation) == ['/faq{"topic":"during.experience"}']


def test_an_old_postback_without_a_mid_is_named_by_its_time(channels_client, graph, runtime,
                                                            fake: FakeAssistant) -> None:
    psid = new_psid()
    body = event(psid, postback="/tell_me_more")
    del body["postback"]["mid"]
    post(channels_client, hook(body))
    post(channels_client, hook(body))  # redelivered: same sender and time
    assert fake.texts(runtime.conversation_id("messenger", psid)) == ["/tell_me_more"]


def test_every_event_in_a_batch_is_answered(channels_client, graph, runtime, fake: FakeAssistant) -> None:
    first, second = new_psid(), new_psid()
    post(channels_client, hook(event(first, "hello"), event(second, SESSION_LENGTH)))
    assert fake.texts(runtime.conversation_id("messenger", first)) == ["hello"]
    assert fake.texts(runtime.conversation_id("messenger", second)) == [SESSION_LENGTH]
    assert sent_to(graph, first) and sent_to(graph, second)


def test_a_long_answer_goes_in_parts_within_the_limit(channels_client, graph) -> None:
    psid = new_psid()
    post(channels_client, hook(event(psid, LONG)))
    sent = sent_to(graph, psid)
    assert len(sent) > 1 and all(len(body["message"]["text"]) <= 2000 for body in sent)


def test_echoes_of_our_own_messages_are_ignored(channels_client, graph, runtime, fake: FakeAssistant) -> None:
    psid = new_psid()
    assert post(channels_client, hook(event(psid, SESSION_LENGTH, echo=True))).status_code == 200
    assert graph.log == [] and fake.texts(runtime.conversation_id("messenger", psid)) == []


def test_a_crisis_message_gets_the_crisis_resources(channels_client, graph) -> None:
    psid = new_psid()
    post(channels_client, hook(event(psid, CRISIS)))
    assert "988" in sent_to(graph, psid)[0]["message"]["text"]
    assert "](tel:" not in sent_to(graph, psid)[0]["message"]["text"]


def test_a_failed_send_is_retried(channels_client, httpserver, runtime) -> None:
    statuses = iter([500])

    def flaky(request):
        return Response("{}", status=next(statuses, 200), content_type="application/json")

    httpserver.expect_request(MESSENGER_SEND, method="POST").respond_with_handler(flaky)
    psid = new_psid()
    post(channels_client, hook(event(psid, LONG)))  # two parts
    sent = sent_to(httpserver, psid)
    assert len(sent) >= 3 and sent[0] == sent[1] != sent[2]  # the first call twice, then the rest
    assert [response.status_code for _, response in httpserver.log][:2] == [500, 200]
    assert runtime.store.pending() == []


def test_no_psid_in_the_conversation_id(channels_client, graph, runtime, fake: FakeAssistant) -> None:
    psid = new_psid()
    post(channels_client, hook(event(psid, "hello")))
    conversation = runtime.conversation_id("messenger", psid)
    assert conversation.startswith("messenger-") and psid not in conversation
    assert conversation in fake.received
    assert not any(psid in key for key in fake.received)


@pytest.mark.slow
def test_a_quick_reply_reaches_the_models_topic(model_client, graph, model_runtime, tracker) -> None:
    psid = new_psid()
    post(model_client, hook(event(psid, "What does it feel like?", quick_reply='/faq{"topic":"after.going_home"}')))
    assert sent_to(graph, psid)
    conversation = model_runtime.conversation_id("messenger", psid)
    assert tracker(conversation).get_slot("current_topic") == "after.going_home"


@pytest.mark.slow
def test_the_consultation_form_over_messenger_with_quick_replies(model_client, graph, model_runtime, settings) -> None:
    from bot.staff.consultations import ConsultationStore
    from bot.staff.outbox import StaffOutbox

    psid = new_psid()

    def last_sent() -> Dict[str, Any]:
        return sent_to(graph, psid)[-1]["message"]

    post(model_client, hook(event(psid, "please ask someone to call me")))
    assert "What name" in last_sent()["text"]
    post(model_client, hook(event(psid, "my name is Kai Moreno")))
    post(model_client, hook(event(psid, "415 555 0199, evenings are best")))
    post(model_client, hook(event(psid, "evenings")))
    consent = last_sent()
    assert "Kai Moreno" in consent["text"] and "+14155550199" in consent["text"]
    assert [r["payload"] for r in consent["quick_replies"]] == ["/affirm", "/request_consultation", "/deny"]
    post(model_client, hook(event(psid, "Yes, contact me", quick_reply="/affirm")))
    assert "has been sent" in last_sent()["text"]
    conversation = model_runtime.conversation_id("messenger", psid)
    [stored] = [s for s in ConsultationStore(StaffOutbox(open_database(settings))).requests()
                if s.request.conversation_id == conversation]
    assert (stored.request.name, stored.request.contact, stored.request.preferred_time) == (
        "Kai Moreno", "+14155550199", "evenings")
