"""An app with every messaging channel on (test secrets), providers faked on loopback.

The Telegram and Messenger APIs are a real local HTTP server (pytest-httpserver)
set as telegram_api_url / messenger_api_url; each test registers what the
fake answers and reads what it received. That server is the channels' own: their
session-wide apps keep retrying failed sends in the background, and on the server the
rest of the suite shares those retries landed in other tests' logs.

Two apps: ``channels_client`` answers with a fake assistant (transport tests:
signatures, parsing, dedupe, rendering, sending; no model, fast), and
``model_client`` with the session's real trained model (the end-to-end tests,
marked slow).
"""
from __future__ import annotations

import json
import time
import uuid
from typing import Any, Callable, Dict, Iterator, List

import pytest
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer

from bot.content.knowledge import Knowledge
from bot.settings import Settings
from tests.channels.fake_assistant import FakeAssistant

PUBLIC_URL = "https://kap.example.org"
TWILIO_TOKEN = "test-twilio-auth-token"
TELEGRAM_TOKEN = "123456:TEST-telegram-bot-token"
TELEGRAM_SECRET = "test-telegram-webhook-secret"
FB_VERIFY_TOKEN = "test-messenger-verify-token"
FB_APP_SECRET = "test-messenger-app-secret"
FB_PAGE_TOKEN = "test-messenger-page-token"
SECRETS = (TWILIO_TOKEN, TELEGRAM_TOKEN, TELEGRAM_SECRET, FB_VERIFY_TOKEN, FB_APP_SECRET, FB_PAGE_TOKEN)
TELEGRAM_SEND = f"/telegram/bot{TELEGRAM_TOKEN}/sendMessage"
TELEGRAM_CALLBACK = f"/telegram/bot{TELEGRAM_TOKEN}/answerCallbackQuery"
MESSENGER_SEND = "/graph/me/messages"


@pytest.fixture(scope="session")
def make_httpserver() -> Iterator[HTTPServer]:
    """The fake providers, for tests under tests/channels/ only (pytest-httpserver's
    ``httpserver`` fixture reads this one here)."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


def channel_settings(var_dir, server_url: Callable[[str], str], **overrides: Any) -> Settings:
    values: Dict[str, Any] = dict(
        var_dir=var_dir,
        public_url=PUBLIC_URL,
        channel_id_key="test-channel-id-key",
        twilio_auth_token=TWILIO_TOKEN,
        telegram_token=TELEGRAM_TOKEN,
        telegram_secret=TELEGRAM_SECRET,
        telegram_api_url=server_url("/telegram"),
        messenger_verify_token=FB_VERIFY_TOKEN,
        messenger_app_secret=FB_APP_SECRET,
        messenger_page_token=FB_PAGE_TOKEN,
        messenger_api_url=server_url("/graph"),
    )
    values.update(overrides)
    return Settings(**values)


def open_client(settings: Settings, assistant) -> TestClient:
    from api.main import create_app

    app = create_app(settings, assistant=assistant)
    app.state.channels.outbound.base_delay = 0.01  # fast retries in tests
    return TestClient(app)


@pytest.fixture(scope="session")
def channels_settings(make_httpserver, tmp_path_factory) -> Settings:
    return channel_settings(tmp_path_factory.mktemp("channels-var"), make_httpserver.url_for)


@pytest.fixture(scope="session")
def fake(channels_settings: Settings) -> FakeAssistant:
    return FakeAssistant(Knowledge.from_settings(channels_settings))


@pytest.fixture(scope="session")
def channels_client(channels_settings: Settings, fake: FakeAssistant) -> Iterator[TestClient]:
    with open_client(channels_settings, fake) as client:
        yield client


@pytest.fixture
def runtime(channels_client: TestClient):
    return channels_client.app.state.channels


@pytest.fixture
def failing(fake: FakeAssistant) -> Iterator[FakeAssistant]:
    """The fake assistant, raising on every message until the test ends."""
    fake.failing = True
    try:
        yield fake
    finally:
        fake.failing = False


@pytest.fixture(scope="session")
def model_client(make_httpserver, tmp_path_factory, assistant) -> Iterator[TestClient]:
    """The channels in front of the real model (its own var dir)."""
    settings = channel_settings(tmp_path_factory.mktemp("model-channels-var"), make_httpserver.url_for)
    with open_client(settings, assistant) as client:
        yield client


@pytest.fixture
def model_runtime(model_client: TestClient):
    return model_client.app.state.channels


@pytest.fixture
def tracker(assistant, loop):
    """The stored conversation (None if there is none), read from the assistant's store."""

    def read(conversation_id: str):
        return loop.run_until_complete(assistant.agent.tracker_store.retrieve(conversation_id))

    return read


def unique_number() -> str:
    return "+1555" + str(uuid.uuid4().int)[:7]


def unique_int() -> int:
    return int(str(uuid.uuid4().int)[:9])


def requests_to(server, path: str) -> List[Dict[str, Any]]:
    """JSON bodies the fake provider received on ``path``, in order."""
    return [json.loads(request.data) for request, _ in server.log if request.path == path]


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()
