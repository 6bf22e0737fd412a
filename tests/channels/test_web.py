"""The web clients' envelopes, rendered once: crisis lines as markdown links, buttons in each client's shape."""
from __future__ import annotations

from api.channels.web import bot_uttered, chat_response, rest_messages
from bot.engine import Reply
from tests.channels.fake_assistant import CRISIS, SESSION_LENGTH, answer_for


def reply(text: str) -> Reply:
    return Reply(sender_id="visitor-1", topic=None, crisis=text == CRISIS, messages=[answer_for(text)])


def test_the_chat_api_links_calls_and_texts() -> None:
    [message] = chat_response(reply(CRISIS)).messages
    assert "[Call 988](tel:988)" in message.text and "[Text 988](sms:988)" in message.text


def test_rasa_rest_links_calls_only() -> None:
    [message] = rest_messages(reply(CRISIS))
    assert "[Call 988](tel:988)" in message.text and "sms:" not in message.text
    assert message.recipient_id == "visitor-1" and message.buttons == []


def test_socketio_has_rasas_keys_and_ours_under_metadata() -> None:
    answer = reply(SESSION_LENGTH)
    data = bot_uttered(answer.messages[0], answer)
    assert set(data) == {"text", "quick_replies", "metadata"}
    assert data["quick_replies"][0] == {"content_type": "text", "title": "Tell me more", "payload": "/tell_me_more"}
    assert data["metadata"]["topic"] == "during.session_length" and data["metadata"]["crisis"] is False
