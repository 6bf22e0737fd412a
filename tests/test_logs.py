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


def test_contact_details_from_the_form_never_reach_the_log(live_service) -> None:
    """The request goes to the clinic (webhook and email in the test setup), not to the log."""
    name = "Zed" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:6])  # letters only
    email = f"z{uuid.uuid4().hex[:8]}@example.org"
    sender = "log-form-" + uuid.uuid4().hex[:6]
    for message in ("/request_consultation", f"my name is {name}", f"write to {email} please", "any time", "/affirm"):
        reply = httpx.post(live_service.url + "/v1/chat", json={"sender_id": sender, "message": message}, timeout=30)
        assert reply.status_code == 200
    assert "has been sent" in reply.json()["messages"][-1]["text"]
    time.sleep(1.0)  # delivery attempts and their log lines happen in the background
    log = live_service.log.read_text(errors="replace")
    assert "staff consultation" in log  # the delivery is logged, by id only
    assert name not in log and email not in log
