"""/readyz and the chat routes say 503 while the model loads, and /readyz 200 once it has,
without loading the model: its loader is held until the test lets it finish."""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Optional

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from bot.content.knowledge import Knowledge
from bot.engine import Assistant
from bot.settings import Settings
from tests.no_model import UnreachableAssistant


def test_not_ready_until_the_model_is_loaded(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def load(settings: Settings, model_path: Optional[Path] = None,
             knowledge: Optional[Knowledge] = None) -> UnreachableAssistant:
        assert release.wait(timeout=30), "the test never let the model load"
        return UnreachableAssistant(knowledge or Knowledge.from_settings(settings))

    monkeypatch.setattr(Assistant, "load", load)
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        for response in (client.get("/readyz"),
                         client.post("/v1/chat", json={"message": "how long is a session?"}),
                         client.post("/webhooks/rest/webhook", json={"sender": "early", "message": "hi"})):
            assert response.status_code == 503, response.text
            assert response.json()["error"]["code"] == "not_ready"

        release.set()
        deadline = time.monotonic() + 10
        while (ready := client.get("/readyz")).status_code == 503 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ready", "undelivered_alerts": [], "undelivered_requests": []}
