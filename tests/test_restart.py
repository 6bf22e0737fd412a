"""A conversation continues where it stopped after the service restarts (SQLite tracker store)."""
from __future__ import annotations

import httpx
import pytest

from tests.service import Service

pytestmark = pytest.mark.slow


def test_conversation_survives_a_restart(tmp_path, model_path) -> None:
    env = {"KAPBOT_VAR_DIR": str(tmp_path)}
    sender = "restart-visitor"
    with Service(env) as first:
        # /readyz is 503 until the model is loaded: tests/test_readiness.py checks that without a race.
        first.wait_until("/readyz")
        assert httpx.get(first.url + "/readyz").json()["status"] == "ready"
        body = httpx.post(first.url + "/v1/chat", json={"sender_id": sender, "message": "how long is a session?"}, timeout=30).json()
        assert body["topic"] == "during.session_length"
    assert (tmp_path / "conversations.db").exists()

    with Service(env) as second:
        second.wait_until("/readyz")
        body = httpx.post(second.url + "/v1/chat", json={"sender_id": sender, "message": "tell me more"}, timeout=30).json()
        # "tell me more" only knows what to expand from the stored conversation.
        assert body["topic"] == "during.session_length"
        stranger = httpx.post(second.url + "/v1/chat", json={"sender_id": "someone-new", "message": "tell me more"}, timeout=30).json()
        assert stranger["topic"] != "during.session_length"
