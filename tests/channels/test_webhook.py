"""The webhook sequence itself, run for a made-up channel: what any new adapter gets for free.

The toy provider vouches with a header, posts JSON and reads the answer from the
response, so the whole sequence shows without a provider's own rules.
"""
from __future__ import annotations

import uuid
from typing import Any, Dict, List, Optional

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.channels import include_channels
from api.channels.access import Forbidden, same_secret
from api.channels.base import Answer, Channel, Inbound, Turn, read
from api.channels.inbound import clean_text
from api.channels.store import ChannelStore
from api.errors import install_error_handlers
from bot.settings import Settings
from tests.channels.fake_assistant import SESSION_LENGTH, SESSION_TEXT, FakeAssistant

PATH = "/webhooks/toy/webhook"
SECRET = "toy-secret"


class ToyMessage(BaseModel):
    id: str
    sender: str
    text: Optional[str] = None


class Toy(Channel):
    name = "toy"
    prefix = "/webhooks/toy"
    secrets = ("channel_id_key",)  # any secret setting: the toy is on when it is set
    summary = "A made-up channel"

    async def verify(self, request: Request) -> None:
        if not same_secret(request.headers.get("X-Toy-Secret"), self.settings.channel_id_key):
            raise Forbidden("wrong secret")

    async def parse(self, request: Request, store: ChannelStore) -> List[Inbound]:
        message = read(ToyMessage, await request.body(), "not a toy message")
        return [Inbound(message_id=message.id, address=message.sender, text=message.text)]

    def acknowledge(self, inline: List[str]) -> Response:
        return JSONResponse({"replies": inline})

    async def answer(self, turn: Turn) -> Answer:
        text = clean_text(turn.inbound.text)
        if text is None:
            return Answer()
        reply = await turn.respond(text)
        return Answer(inline=[message.text for message in reply.messages])


@pytest.fixture
def toy(tmp_path, fake: FakeAssistant) -> TestClient:
    app = bare_app(Settings(var_dir=tmp_path, channel_id_key=SECRET))
    app.state.assistant = fake
    return TestClient(app)


def bare_app(settings: Settings) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    include_channels(app, settings, adapters=(Toy,))
    return app


def post(client: TestClient, body: Dict[str, Any], secret: Optional[str] = SECRET) -> Any:
    return client.post(PATH, json=body, headers={"X-Toy-Secret": secret} if secret else {})


def message(text: Optional[str] = SESSION_LENGTH, sender: str = "toy-user") -> Dict[str, Any]:
    return {"id": uuid.uuid4().hex, "sender": sender, "text": text}


def test_a_verified_message_reaches_the_assistant_under_a_hashed_id(toy, fake: FakeAssistant) -> None:
    sender = "someone-" + uuid.uuid4().hex
    response = post(toy, message(sender=sender))
    assert response.status_code == 200 and response.json() == {"replies": [SESSION_TEXT]}
    conversation = toy.app.state.channels.conversation_id("toy", sender)
    assert conversation.startswith("toy-") and sender not in conversation
    assert fake.received[conversation] == [("toy", SESSION_LENGTH)]


def test_the_sequence_refuses_dedupes_and_acknowledges(toy, fake: FakeAssistant) -> None:
    body = message(sender="dedupe-" + uuid.uuid4().hex)
    assert post(toy, body, secret="wrong").status_code == 403
    assert post(toy, body, secret=None).status_code == 403
    assert post(toy, body).status_code == 200
    assert post(toy, body).json() == {"replies": []}  # a redelivery: acknowledged, not answered
    conversation = toy.app.state.channels.conversation_id("toy", body["sender"])
    assert fake.texts(conversation) == [SESSION_LENGTH]  # answered once
    unreadable = post(toy, {"not": "a message"})
    assert unreadable.status_code == 200 and unreadable.json() == {"replies": []}


def test_a_channel_without_its_secret_is_off(tmp_path, fake: FakeAssistant) -> None:
    app = bare_app(Settings(var_dir=tmp_path))
    app.state.assistant = fake
    response = TestClient(app).post(PATH, json=message(), headers={"X-Toy-Secret": SECRET})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_without_an_assistant_the_provider_is_told_to_deliver_again(tmp_path, fake: FakeAssistant) -> None:
    app = bare_app(Settings(var_dir=tmp_path, channel_id_key=SECRET))
    client = TestClient(app)
    body = message()
    assert post(client, body).status_code == 503  # the model is still loading
    app.state.assistant = fake
    assert post(client, body).status_code == 200  # the claim was given back: answered now
