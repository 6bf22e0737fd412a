"""Rasa REST channel parity, against the real model: the request's ``metadata`` is
stored with the user's message as Rasa stores it, and messages with buttons have
exactly the shape Rasa's own CollectingOutputChannel gives."""
from __future__ import annotations

import secrets
from typing import Any, Dict, List

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import UserUttered

pytestmark = pytest.mark.slow

METADATA = {"page": "/what-to-expect", "utm": {"source": "newsletter"}, "tags": [1, "two", None]}


def new_id() -> str:
    return "rest-parity-" + secrets.token_hex(4)


def rest(client, sender: str, message: str, **extra: Any) -> List[Dict[str, Any]]:
    response = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": message, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def stored_user_messages(assistant, loop, sender: str) -> List[UserUttered]:
    """The user's messages as the tracker store has them (read back, not the cached tracker)."""
    tracker = loop.run_until_complete(assistant.agent.tracker_store.retrieve(sender))
    return [event for event in tracker.events if isinstance(event, UserUttered)]


@pytest.mark.parametrize("message", ["how long is a session", "i want to end my life"], ids=["model", "crisis"])
def test_metadata_is_stored_with_the_message(client, assistant, loop, message: str) -> None:
    sender = new_id()
    rest(client, sender, message, metadata=METADATA)
    latest = stored_user_messages(assistant, loop, sender)[-1]
    assert latest.text == message
    # Rasa adds its own keys beside the client's (assistant_id, model_id), as it does for any channel.
    assert {key: latest.metadata.get(key) for key in METADATA} == METADATA
    # What a custom action reads: Rasa SDK's tracker.latest_message["metadata"].
    assert latest.as_dict()["metadata"] == latest.metadata


def test_without_metadata_only_rasas_own_keys_are_stored(client, assistant, loop) -> None:
    sender = new_id()
    rest(client, sender, "how long is a session", metadata=None)
    assert set(stored_user_messages(assistant, loop, sender)[-1].metadata) <= {"assistant_id", "model_id"}


@pytest.mark.parametrize("metadata", [[1, 2], [], [["page", "/pricing"]], ["ab"], "page=/pricing", 3, True])
def test_metadata_that_is_not_an_object_is_refused(client, metadata: Any) -> None:
    response = client.post(
        "/webhooks/rest/webhook", json={"sender": new_id(), "message": "hello", "metadata": metadata}
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("metadata:")


def test_buttons_have_rasas_shape(client, assistant, loop) -> None:
    question = "how long is a session"
    ours = [m for m in rest(client, new_id(), question) if "buttons" in m]
    # The same question straight through Rasa, into Rasa's own REST collector.
    collector = CollectingOutputChannel()
    sender = new_id()
    loop.run_until_complete(assistant.agent.handle_message(UserMessage(question, collector, sender)))
    rasas = [m for m in collector.messages if "buttons" in m]
    assert ours and rasas
    for message in ours:
        assert set(message) == {"recipient_id", "text", "buttons"}
        assert all(set(button) == {"title", "payload"} for button in message["buttons"])
    assert [m["buttons"] for m in ours] == [m["buttons"] for m in rasas]
    assert [m["text"] for m in ours] == [m["text"] for m in rasas]


def test_messages_without_buttons_leave_the_key_out(client) -> None:
    # The disclaimer of a first turn has no buttons; Rasa omits the key then, never sends [] or null.
    first = rest(client, new_id(), "hello")[0]
    assert "buttons" not in first and set(first) == {"recipient_id", "text"}
