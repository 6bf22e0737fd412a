"""Nothing a patient says reaches the service's logs."""
from __future__ import annotations

import time
import uuid

import httpx
import pytest

pytestmark = pytest.mark.slow


def test_message_text_never_reaches_the_log(live_service) -> None:
    marker = "zebra" + uuid.uuid4().hex[:8]
    for message in (f"my name is {marker}, how long is a session?", f"i want to die {marker}", "x" * 1001 + marker):
        httpx.post(live_service.url + "/v1/chat", json={"sender_id": "log-check", "message": message}, timeout=30)
    httpx.post(live_service.url + "/webhooks/rest/webhook", json={"sender": "log-check", "message": marker}, timeout=30)
    time.sleep(0.5)
    log = live_service.log.read_text(errors="replace")
    assert "POST /v1/chat" in log  # the log is being written
    assert marker not in log
