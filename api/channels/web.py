"""A reply as each web client reads it: the project's chat API, Rasa's REST
channel and Rasa's socketio channel. They differ only in their envelopes; the
text itself is rendered once (``web_text``), with the crisis lines as links."""
from __future__ import annotations

from typing import Any, Dict, List

from api.channels.render import web_text
from api.schemas import ChatResponse, RestMessage
from bot.content.action_links import LinkKind
from bot.engine import BotMessage, Reply


def chat_response(reply: Reply) -> ChatResponse:
    """POST /v1/chat: the whole reply, each message's text with its links."""
    messages = [m.copy(update={"text": web_text(m)}) for m in reply.messages]
    return ChatResponse(**{**reply.dict(), "messages": messages})


def rest_messages(reply: Reply) -> List[RestMessage]:
    """Rasa's REST channel: one object per bot message, as Rasa's CollectingOutputChannel gives."""
    return [
        RestMessage(
            recipient_id=reply.sender_id,
            # Calls only: Chatroom, like any client on react-markdown's default URL filter, turns
            # an sms: link into a link to nowhere; the text still says where to text.
            text=web_text(message, kinds=[LinkKind.call]),
            buttons=message.buttons,
        )
        for message in reply.messages
    ]


def bot_uttered(message: BotMessage, reply: Reply) -> Dict[str, Any]:
    """One bot message as Rasa's socketio channel sends it.

    Only Rasa's keys at the top: rasa-webchat renders a message only when its keys
    (after it drops ``metadata``) are exactly ``text`` or ``text`` + ``quick_replies``.
    Our own fields ride under ``metadata``, which Rasa clients ignore.
    """
    data: Dict[str, Any] = {"text": web_text(message)}
    if message.buttons:
        data["quick_replies"] = [
            {"content_type": "text", "title": b.title, "payload": b.payload} for b in message.buttons
        ]
    data["metadata"] = {
        "topic": message.topic,
        "kind": message.kind,
        "crisis": reply.crisis,
        "flagged": reply.flagged,
        "sources": message.sources,
        "links": [link.dict() for link in message.links],
    }
    return data
