"""A stand-in for the assistant where a test needs the service but not the trained model."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from bot.content.knowledge import Knowledge
from bot.engine import BotMessage, Reply


class AssistantReachedError(Exception):
    """Raised when a request that should have been refused reached the assistant."""


class EmptyOutbox:
    """Nothing waiting and nothing failed, as /readyz reads it."""

    def resume_pending(self) -> None:
        return None

    def messages(self, status: Any = None) -> List[Any]:
        return []


class UnreachableAssistant:
    """Ready as far as /readyz can tell; any message that gets this far fails the test."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge  # the app serves the clinic's facts from it
        self.observers: List[Any] = []  # the app's metrics register here
        self.outbox = EmptyOutbox()

    async def respond(self, sender_id: str, text: str, *args: Any, **kwargs: Any) -> Any:
        raise AssistantReachedError(f"{text!r} from {sender_id} reached the assistant")

    async def screen_silently(self, sender_id: str, text: str, channel: str) -> bool:
        raise AssistantReachedError(f"{text!r} from {sender_id} reached the assistant")


class EchoAssistant(UnreachableAssistant):
    """Answers every message with its own text, for tests of what happens around an answer."""

    async def respond(self, sender_id: str, text: str, channel: str = "web",
                      metadata: Optional[Dict[str, Any]] = None) -> Reply:
        return Reply(sender_id=sender_id, topic=None, messages=[BotMessage(text=text)])
