"""One Settings object flows down from the app factory and the CLI: the content an app
serves is the content its settings name, never the environment's."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from typer.testing import CliRunner

from actions import build_actions
from bot.messages import PAYLOAD_KEY, BotMessageKind
from bot.settings import Settings

MARKER = "Answer from the copied content"
TOPIC = "during.session_length"


def _content_copy(settings: Settings, tmp_path: Path) -> Path:
    """The project's content with a marker at the start of two answers."""
    target = tmp_path / "content"
    shutil.copytree(settings.content_dir, target)
    for name in ("during/session_length.md", "safety/crisis.md"):
        path = target / "topics" / name
        head, sep, body = path.read_text(encoding="utf-8").partition("\n---\n")
        path.write_text(f"{head}{sep}{MARKER}.\n\n{body}", encoding="utf-8")
    return target


@pytest.fixture
def copied(settings: Settings, tmp_path: Path) -> Settings:
    return Settings(content_dir=_content_copy(settings, tmp_path), var_dir=tmp_path / "var")


def _tracker(text: str, entities: List[Dict[str, Any]]) -> Tracker:
    message = {"text": text, "intent": {"name": "faq", "confidence": 1.0}, "entities": entities}
    return Tracker("settings-flow", {}, message, [], False, None, {}, "action_listen")


def test_create_app_serves_the_content_of_its_settings(copied: Settings, settings: Settings) -> None:
    from api.main import create_app

    app = create_app(copied)
    assert app.state.settings is copied
    assert app.state.knowledge.library.get(TOPIC).answer.startswith(MARKER)
    assert not create_app(settings).state.knowledge.library.get(TOPIC).answer.startswith(MARKER)


def test_actions_answer_from_the_knowledge_they_are_given(copied: Settings, loop) -> None:
    from bot.content.knowledge import Knowledge
    from bot.engine import staff_outbox

    knowledge = Knowledge.from_settings(copied)
    answer_topic = next(a for a in build_actions(knowledge, staff_outbox(copied, knowledge))
                        if a.name() == "action_answer_topic")
    dispatcher = CollectingDispatcher()
    tracker = _tracker("how long is a session", [{"entity": "topic", "value": TOPIC}])
    loop.run_until_complete(answer_topic.run(dispatcher, tracker, {}))
    [said] = dispatcher.messages
    assert said["text"].startswith(MARKER)
    assert said[PAYLOAD_KEY]["topic"] == TOPIC and said[PAYLOAD_KEY]["kind"] == BotMessageKind.answer


def test_the_crisis_path_answers_from_the_assistants_knowledge(copied: Settings, assistant, loop) -> None:
    from bot.content.knowledge import Knowledge
    from bot.engine import Assistant

    other = Assistant(assistant.agent, copied, Knowledge.from_settings(copied))
    reply = loop.run_until_complete(other.respond("settings-flow-crisis", "I want to kill myself"))
    assert reply.crisis and reply.messages[0].kind is BotMessageKind.crisis
    assert reply.messages[0].text.startswith(MARKER)
    # Stored as the model path stores an answer: the same typed payload on the event.
    tracker = loop.run_until_complete(other.agent.processor.get_tracker("settings-flow-crisis"))
    uttered = [e for e in tracker.events if e.type_name == "bot"][-1]
    assert uttered.metadata[PAYLOAD_KEY]["kind"] == "crisis"
    assert tracker.get_slot("current_topic") == "safety.crisis"


def test_serve_hands_its_settings_to_the_app(monkeypatch: pytest.MonkeyPatch, copied: Settings) -> None:
    import uvicorn

    from bot import cli

    served: Dict[str, Any] = {}
    monkeypatch.setattr(cli, "_settings", lambda: copied)
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.update(app=app, **options))
    result = CliRunner().invoke(cli.app, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    api = served["app"].other_asgi_app  # socket.io in front, the FastAPI app behind it
    assert api.state.settings.port == 8123 == served["port"]
    assert api.state.knowledge.library.get(TOPIC).answer.startswith(MARKER)
