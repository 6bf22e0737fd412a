"""A conversation continues where it stopped after the service restarts (SQLite tracker store)."""
from __future__ import annotations

import httpx
import pytest

from tests.service import Service

pytestmark = pytest.mark.slow


def chat(url: str, sender: str, message: str) -> dict:
    return httpx.post(url + "/v1/chat", json={"sender_id": sender, "message": message}, timeout=30).json()


def test_conversation_survives_a_restart(tmp_path, model_path) -> None:
    env = {"KAPBOT_VAR_DIR": str(tmp_path)}
    sender = "restart-visitor"
    with Service(env) as first:
        # /readyz is 503 until the model is loaded: tests/test_readiness.py checks that without a race.
        first.wait_until("/readyz")
        assert httpx.get(first.url + "/readyz").json()["status"] == "ready"
        body = chat(first.url, sender, "how long is a session?")
        assert body["topic"] == "during.session_length"
    assert (tmp_path / "kapbot.db").exists()  # the one database, conversations included

    with Service(env) as second:
        second.wait_until("/readyz")
        body = chat(second.url, sender, "tell me more")
        # "tell me more" only knows what to expand from the stored conversation.
        assert body["topic"] == "during.session_length"
        stranger = chat(second.url, "someone-new", "tell me more")
        assert stranger["topic"] != "during.session_length"
