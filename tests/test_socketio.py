"""Socket.IO speaking Rasa's protocol, with persistent sessions, against the real service."""
from __future__ import annotations

import time
import uuid

import pytest
import socketio

from tests.socket_client import RasaSocketClient

pytestmark = pytest.mark.slow


RASA_KEYS = {"text", "quick_replies", "buttons", "attachment", "custom", "metadata"}


def test_persistent_session_gets_replies_and_survives_reconnect(live_service) -> None:
    session_id = "sock-" + uuid.uuid4().hex[:8]
    first = RasaSocketClient(live_service.url).start(session_id)
    assert first.session_id == session_id
    replies = first.say("how long is a session?", expect=2)
    answer = next(r for r in replies if "one and two hours" in r["text"])
    assert answer["metadata"]["topic"] == "during.session_length"
    assert answer["quick_replies"] and all(
        set(q) == {"content_type", "title", "payload"} for q in answer["quick_replies"]
    )
    first.sio.disconnect()

    second = RasaSocketClient(live_service.url).start(session_id)
    more = second.say("tell me more")
    assert more[0]["metadata"]["topic"] == "during.session_length"
    crisis = second.say("i want to kill myself")
    assert crisis[0]["metadata"]["crisis"] is True and "988" in crisis[0]["text"]
    # Rasa clients drop a message with any other top-level key (shared/API.md).
    for message in replies + more + crisis:
        assert set(message) <= RASA_KEYS, message
    second.sio.disconnect()


def test_invalid_message_gets_an_error_event(live_service) -> None:
    client = RasaSocketClient(live_service.url).start("sock-" + uuid.uuid4().hex[:8])
    client.sio.emit("user_uttered", {"message": "   ", "session_id": client.session_id})
    deadline = time.monotonic() + 5
    while not client.errors and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.errors and client.errors[0]["code"] == "invalid_input"
    assert client.received == []
    client.sio.disconnect()


def test_unknown_origin_is_refused(live_service) -> None:
    client = RasaSocketClient(live_service.url, origin="https://evil.example")
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.start("sock-evil")


def test_without_session_request_replies_reach_the_socket(live_service) -> None:
    # Rasa's socketio channel without persistence: the client names its session per message.
    client = RasaSocketClient(live_service.url)
    client.sio.connect(live_service.url, socketio_path="socket.io", transports=["websocket"])
    client.session_id = "sock-nopersist-" + uuid.uuid4().hex[:6]
    replies = client.say("how long is a session?", expect=2)
    assert any("one and two hours" in r["text"] for r in replies)
    client.sio.disconnect()
