"""What the assistant says: one ``BotMessage`` per bubble, and the typed payload
custom actions hand the engine beside their text.

Rasa passes whatever keywords an action gives ``utter_message`` through to the
output channel, untyped. Actions give exactly one, ``PAYLOAD_KEY``, holding an
``ActionPayload``; the engine reads it back with ``payload_of``. The crisis path,
which answers without running the model, builds its Rasa event from the same
``utterance`` so both paths store the same shape.
"""
from __future__ import annotations

from enum import Enum
from typing import Any, Dict, List, Optional

from pydantic import BaseModel, Field

from bot.content.action_links import ActionLink
from bot.content.answers import Button

CRISIS_TOPIC = "safety.crisis"
PAYLOAD_KEY = "kapbot"


class BotMessageKind(str, Enum):
    answer = "answer"  # an answer from content, or one of the domain's short responses
    crisis = "crisis"  # the clinic's crisis resources
    disclaimer = "disclaimer"  # first reply of a conversation
    # The crisis lines as a note: again, after a crisis earlier in the conversation, or before an
    # answer about suicidality as a subject ("can ketamine help with suicidal thoughts?").
    reminder = "reminder"
    prompt = "prompt"  # "did you mean ...?": topics offered as buttons


class ReplyOutcome(str, Enum):
    """What a turn did, as the clinic counts it (/metrics)."""

    answer = "answer"
    offer = "offer"  # answered, then offered the runner-up topic
    clarification = "clarification"  # unsure: asked with the likeliest topics as buttons
    out_of_scope = "out_of_scope"
    crisis = "crisis"
    other = "other"  # no topic: a form step, a greeting, a button's follow-up


MODEL_DETECTED = "model_detected"  # the crisis category when the model's net, not a rule, fired


# Messages that carry the crisis lines as tap-to-call/text links.
LINKED_KINDS = frozenset({BotMessageKind.crisis, BotMessageKind.reminder})


class ActionPayload(BaseModel):
    """What an action says about its message, beyond text and buttons."""

    kind: BotMessageKind = BotMessageKind.answer
    topic: Optional[str] = None
    sources: List[str] = []
    fallback: bool = Field(default=False, description="The unsure prompt: which topic did you mean?")

    class Config:
        extra = "forbid"

    @classmethod
    def for_topic(cls, topic: str, sources: List[str]) -> "ActionPayload":
        kind = BotMessageKind.crisis if topic == CRISIS_TOPIC else BotMessageKind.answer
        return cls(kind=kind, topic=topic, sources=sources)


class BotMessage(BaseModel):
    text: str
    topic: Optional[str] = None
    buttons: List[Button] = []
    sources: List[str] = []
    kind: BotMessageKind = BotMessageKind.answer
    links: List[ActionLink] = []  # tap to call or text a crisis line (bot/content/action_links.py)


def utterance(text: str, buttons: List[Button], payload: ActionPayload) -> Dict[str, Any]:
    """The keywords for ``dispatcher.utter_message``: text, buttons and the one payload."""
    return {"text": text, "buttons": [b.dict() for b in buttons], PAYLOAD_KEY: payload.dict()}


def payload_of(raw: Dict[str, Any]) -> ActionPayload:
    """The payload of a message as Rasa delivers it; a domain response has none."""
    return ActionPayload.parse_obj(raw.get(PAYLOAD_KEY) or {})


def bot_message(raw: Dict[str, Any]) -> Optional[BotMessage]:
    """One message as Rasa hands it to the output channel; None when it has no text."""
    if not raw.get("text"):
        return None
    payload = payload_of(raw)
    return BotMessage(
        text=raw["text"],
        topic=payload.topic,
        buttons=[Button(title=b["title"], payload=b["payload"]) for b in raw.get("buttons") or []],
        sources=payload.sources,
        kind=payload.kind,
    )
