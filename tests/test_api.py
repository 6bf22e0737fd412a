"""The public HTTP contract (docs/api.md) against the real trained model."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow


def chat(client, message: str, sender_id: str = "api-test"):
    response = client.post("/v1/chat", json={"sender_id": sender_id, "message": message})
    assert response.status_code == 200, response.text
    return response.json()


def test_health_and_readiness(client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200


def test_chat_answers_with_topic_sources_and_buttons(client) -> None:
    body = chat(client, "How long does one KAP session take?", "api-shape")
    assert {"sender_id", "topic", "crisis", "messages"} <= set(body)
    assert body["sender_id"] == "api-shape"
    assert body["topic"] == "during.session_length"
    assert body["crisis"] is False
    assert body["messages"][0]["kind"] == "disclaimer"  # first reply of the conversation
    first = body["messages"][1]
    assert "one and two hours" in first["text"]
    assert first["topic"] == "during.session_length"
    assert first["sources"] and all(isinstance(s, str) for s in first["sources"])
    assert first["buttons"], "every answer offers follow-ups"
    for button in first["buttons"]:
        assert set(button) == {"title", "payload"}


def test_missing_sender_id_gets_a_new_one(client) -> None:
    response = client.post("/v1/chat", json={"message": "hello"})
    assert response.status_code == 200
    sender_id = response.json()["sender_id"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", sender_id)
    other = client.post("/v1/chat", json={"message": "hello"}).json()["sender_id"]
    assert other != sender_id


def test_greeting_has_no_topic(client) -> None:
    assert chat(client, "hi there", "api-greet")["topic"] is None


def test_follow_up_button_payload_answers_its_topic(client) -> None:
    first = chat(client, "how long is a session", "api-button")["messages"][-1]
    button = first["buttons"][-1]
    body = chat(client, button["payload"], "api-button")
    expected = button["payload"].split('"topic":"')[1].rstrip('"}')
    assert body["topic"] == expected


def test_clinic_facts_come_from_configuration(client, settings) -> None:
    from bot.content.clinic import load_clinic

    clinic = load_clinic(settings.clinic_file)
    body = chat(client, "what is your phone number?", "api-contact")
    assert body["topic"] == "clinic.contact"
    assert clinic.contact.phone in body["messages"][-1]["text"]


def test_rest_channel_answers_like_rasa(client) -> None:
    response = client.post(
        "/webhooks/rest/webhook", json={"sender": "rest-user", "message": "how long is a session"}
    )
    assert response.status_code == 200
    messages = response.json()
    assert isinstance(messages, list) and messages
    for message in messages:
        assert message["recipient_id"] == "rest-user"
        assert set(message) <= {"recipient_id", "text", "buttons"}
    answer = next(m for m in messages if "one and two hours" in m["text"])
    assert all(set(b) == {"title", "payload"} for b in answer["buttons"])


def test_openapi_lists_public_routes(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/v1/chat", "/webhooks/rest/webhook", "/healthz", "/readyz"):
        assert path in paths
    assert {"413", "415", "422", "503"} <= set(paths["/v1/chat"]["post"]["responses"])
