"""The conversation engine: the trained Rasa model, loaded once, behind one call.

``Assistant.respond(sender_id, text)`` is the single path every channel uses
(HTTP API, Rasa REST, socket.io, messaging): the same model, actions, store.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

from pydantic import BaseModel
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.tracker_store import SQLTrackerStore

from bot.action_runner import InProcessActionEndpoint
from bot.answers import Button
from bot.errors import ModelError
from bot.log import logger
from bot.payloads import as_user_text
from bot.settings import Settings


class BotMessage(BaseModel):
    text: str
    topic: Optional[str] = None
    buttons: List[Button] = []
    sources: List[str] = []


class Reply(BaseModel):
    sender_id: str
    topic: Optional[str]
    crisis: bool = False
    fallback: bool = False
    messages: List[BotMessage]


class ReplyCollector(CollectingOutputChannel):
    """Keeps each bot message whole, with the topic and sources our action adds."""

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        self.messages.append({"recipient_id": recipient_id, **message})


def latest_model(models_dir: Path) -> Path:
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise ModelError(f"no trained model in {models_dir}; run 'kapbot train'")
    return models[-1]


def _bot_message(raw: Dict[str, Any]) -> Optional[BotMessage]:
    if not raw.get("text"):
        return None
    return BotMessage(
        text=raw["text"],
        topic=raw.get("topic"),
        buttons=[Button(title=b["title"], payload=b["payload"]) for b in raw.get("buttons") or []],
        sources=raw.get("sources") or [],
    )


class Assistant:
    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    @classmethod
    def load(cls, settings: Settings, model_path: Optional[Path] = None) -> "Assistant":
        """Load the model (slow: Rasa rebuilds its TensorFlow graphs). Once per process."""
        model_path = model_path or latest_model(settings.models_dir)
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        store = SQLTrackerStore(dialect="sqlite", db=str(settings.sqlite_path))
        logger.info("loading model %s", model_path.name)
        agent = Agent.load(
            model_path, tracker_store=store, action_endpoint=InProcessActionEndpoint()
        )
        if not agent.is_ready():
            raise ModelError(f"model {model_path} did not load")
        return cls(agent)

    async def respond(self, sender_id: str, text: str) -> Reply:
        collector = ReplyCollector()
        await self.agent.handle_message(UserMessage(as_user_text(text), collector, sender_id))
        messages = [m for m in map(_bot_message, collector.messages) if m]
        topic = next((m.topic for m in messages if m.topic), None)
        fallback = any(raw.get("fallback") for raw in collector.messages)
        return Reply(sender_id=sender_id, topic=topic, fallback=fallback, messages=messages)
