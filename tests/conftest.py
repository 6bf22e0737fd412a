"""Shared fixtures: the real trained model, loaded once per test session.

Tests use a conversation store of their own (a temporary var dir) so they
never touch the development database.

Two layers: ``pytest -m "not slow"`` runs without the model (API, safety, content);
``pytest`` runs everything. A test that needs the model is slow whether or not it
says so: collection marks it, and the model fixture refuses to load for a test that
is not marked.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterator, List, Tuple, cast

import pytest

# Before bot.settings is first read: the whole session shares this store.
_VAR_DIR = Path(tempfile.mkdtemp(prefix="kapbot-test-var-"))
os.environ.setdefault("KAPBOT_VAR_DIR", str(_VAR_DIR))
os.environ.setdefault("KAPBOT_ENV", "test")
# The suite sends hundreds of messages from one address; tests/test_edge.py checks the limits.
os.environ.setdefault("KAPBOT_RATE_LIMIT_PER_CLIENT", "100000/minute")
os.environ.setdefault("KAPBOT_RATE_LIMIT_PER_CONVERSATION", "10000/minute")

from tests.service import free_port  # noqa: E402
from tests.staff_servers import configure as configure_staff_servers  # noqa: E402

# Consultation requests go to a real webhook receiver and SMTP server on loopback.
STAFF_PORTS = configure_staff_servers(_VAR_DIR, free_port(), free_port())

from bot.settings import Settings, get_settings  # noqa: E402
from tests.paths import PROJECT_DIR  # noqa: E402


class UnmarkedModelTestError(Exception):
    """Raised when a test not marked slow loads the model anyway."""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    # Before pytest's own -m filter, so the added mark counts there.
    for item in items:
        # Every fixture with the model (assistant, client, say, live_service) depends on model_path.
        if "model_path" in getattr(item, "fixturenames", ()) and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.slow)


_setting_up: List[pytest.Item] = []  # the test whose fixtures are being set up or that is running


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _setting_up[:] = [item]


@pytest.fixture(scope="session")
def httpserver_listen_address() -> Tuple[str, int]:
    """pytest-httpserver's fake providers on loopback only ("localhost" may not be)."""
    return ("127.0.0.1", 0)


@pytest.fixture(scope="session")
def settings() -> Settings:
    from bot.log import configure_logging

    os.chdir(PROJECT_DIR)  # Rasa's config names the spaCy pipeline relative to the project
    settings = get_settings()
    configure_logging(settings.log_level)
    return settings


@pytest.fixture(scope="session")
def model_path(settings: Settings) -> Path:
    """Train once per run if needed (Rasa's fingerprint skips unchanged data)."""
    from bot.build.training import train

    test = _setting_up[0] if _setting_up else None
    if test is not None and test.get_closest_marker("slow") is None:
        # Reached only through request.getfixturevalue(): the collection hook marks the rest.
        raise UnmarkedModelTestError(f"{test.nodeid} loads the model but is not marked slow")
    return train(settings).model


@pytest.fixture(scope="session")
def assistant(settings: Settings, model_path: Path):
    from bot.engine import Assistant

    return Assistant.load(settings, model_path)


@pytest.fixture(scope="session")
def client(settings: Settings, assistant) -> Iterator:
    from fastapi.testclient import TestClient

    from api.main import create_app

    with TestClient(create_app(settings, assistant=assistant)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def api(settings: Settings) -> Iterator:
    """The service without the model: its assistant fails any test a message reaches."""
    from fastapi.testclient import TestClient

    from api.main import create_app
    from bot.content.knowledge import Knowledge
    from bot.engine import Assistant
    from tests.no_model import UnreachableAssistant

    assistant = cast(Assistant, UnreachableAssistant(Knowledge.from_settings(settings)))
    with TestClient(create_app(settings, assistant=assistant)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def loop():
    """One event loop for tests that call the assistant directly."""
    import asyncio

    event_loop = asyncio.new_event_loop()
    yield event_loop
    event_loop.close()


@pytest.fixture
def say(client):
    """Send one message over /v1/chat and return the JSON reply."""

    def send(sender_id: str, message: str) -> dict:
        response = client.post("/v1/chat", json={"sender_id": sender_id, "message": message})
        assert response.status_code == 200, response.text
        return response.json()

    return send


@pytest.fixture(scope="session")
def staff_webhook():
    """The clinic's webhook receiver named in the test clinic file."""
    from tests.staff_servers import webhook_server

    server = webhook_server(STAFF_PORTS.webhook)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def staff_smtp():
    """The clinic's SMTP server (STARTTLS, login) named in the test settings."""
    from tests.staff_servers import SmtpServer

    with SmtpServer(_VAR_DIR, STAFF_PORTS.smtp) as server:
        yield server


@pytest.fixture(scope="session")
def live_service(model_path, tmp_path_factory):
    """The real service in its own process (uvicorn, socket.io, widget), started once."""
    from tests.service import Service

    service = Service({"KAPBOT_VAR_DIR": str(tmp_path_factory.mktemp("live-var"))}).start()
    try:
        service.wait_until("/readyz")
        yield service
    finally:
        service.stop()
