"""Shared fixtures: the real trained model, loaded once per test session.

Tests use a conversation store of their own (a temporary var dir) so they
never touch the development database.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

# Before bot.settings is first read: the whole session shares this store.
_VAR_DIR = Path(tempfile.mkdtemp(prefix="kapbot-test-var-"))
os.environ.setdefault("KAPBOT_VAR_DIR", str(_VAR_DIR))
os.environ.setdefault("KAPBOT_ENV", "test")

from bot.settings import Settings, get_settings  # noqa: E402
from tests.paths import PROJECT_DIR  # noqa: E402



@pytest.fixture(scope="session")
def settings() -> Settings:
    os.chdir(PROJECT_DIR)  # Rasa's config names the spaCy pipeline relative to the project
    return get_settings()


@pytest.fixture(scope="session")
def model_path(settings: Settings) -> Path:
    """Train once per run if needed (Rasa's fingerprint skips unchanged data)."""
    from bot.training import train

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
