"""A stand-in for ``bot.engine.Assistant`` for the channels' transport tests.

It answers a few known messages with replies shaped like the real model's
(buttons, crisis links, a long answer) and echoes anything else, and it
records what it was asked, so a test can check what reached the assistant
without loading the TensorFlow model.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Dict, List, Optional, Tuple

from bot.content.action_links import ActionLink, LinkKind
from bot.content.answers import Button
from bot.content.knowledge import Knowledge
from bot.engine import BotMessage, Reply

SESSION_LENGTH = "how long is a session"
CRISIS = "I want to kill myself"
LONG = "tell me everything"

SESSION_BUTTONS = [
    Button(title="Tell me more", payload="/tell_me_more"),
    Button(title="What does it feel like?", payload='/faq{"topic":"during.experience"}'),
    Button(title="What happens after?", payload='/faq{"topic":"after.going_home"}'),
    Button(title="How many sessions will I need?", payload='/faq{"topic":"planning.sessions"}'),
]
SESSION_TEXT = "A KAP session usually lasts between one and two hours. Your care team will tell you more."
CRISIS_TEXT = "You deserve support right now. Call or text 988, the Suicide & Crisis Lifeline, any time."
CRISIS_LINKS = [ActionLink(kind=LinkKind.call, title="Call 988", href="tel:988"),
                ActionLink(kind=LinkKind.text, title="Text 988", href="sms:988")]
# Numbered, so no two parts are alike; over Telegram's 4096 and Messenger's 2000 characters.
LONG_TEXT = " ".join(
    f"Point {n}: ketamine-assisted psychotherapy pairs a medicine session with therapy." for n in range(1, 61)
)


class AssistantDown(Exception):
    """What the fake raises while ``failing`` is set: the assistant broke mid-answer."""


class FakeAssistant:
    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge  # the app and the SMS keywords read the clinic from it
        self.observers: List[Any] = []  # the app's metrics register here
        self.received: Dict[str, List[Tuple[str, str]]] = defaultdict(list)  # conversation -> (channel, text)
        self.screened: Dict[str, List[str]] = defaultdict(list)
        self.failing = False

    async def respond(self, sender_id: str, text: str, channel: str = "web",
                      metadata: Optional[Dict[str, Any]] = None) -> Reply:
        if self.failing:
            raise AssistantDown()
        self.received[sender_id].append((channel, text))
        return Reply(sender_id=sender_id, topic=None, messages=[answer_for(text)], crisis=text == CRISIS)

    async def screen_silently(self, sender_id: str, text: str, channel: str) -> bool:
        self.screened[sender_id].append(text)
        return text == CRISIS

    def texts(self, conversation: str) -> List[str]:
        return [text for _, text in self.received.get(conversation, [])]


def answer_for(text: str) -> BotMessage:
    if text == SESSION_LENGTH:
        return BotMessage(text=SESSION_TEXT, topic="during.session_length", buttons=SESSION_BUTTONS)
    if text == CRISIS:
        return BotMessage(text=CRISIS_TEXT, topic="safety.crisis", kind="crisis", links=CRISIS_LINKS)
    if text == LONG:
        return BotMessage(text=LONG_TEXT, topic="about.kap")
    return BotMessage(text=f"You said: {text}")
