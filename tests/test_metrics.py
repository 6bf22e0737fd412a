"""/metrics in Prometheus' text format: what the service did, never what a patient said."""
from __future__ import annotations

import uuid
from typing import Dict, cast

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from api.main import create_app
from bot.content.knowledge import Knowledge
from bot.engine import Assistant
from bot.settings import Settings
from bot.staff.outbox import MessageKind, StaffOutbox
from bot.storage.database import open_database
from tests.no_model import EchoAssistant

UNSURE = "sessions"  # tests/test_clarification.py: the model asks which topic is meant
PRIVATE = "my name is Robin Quill and I feel hopeless"


def echo(settings: Settings) -> Assistant:
    """The service without the model; its answers are the message back (tests/no_model.py)."""
    return cast(Assistant, EchoAssistant(Knowledge.from_settings(settings)))


def samples(client: TestClient, **headers: str) -> Dict[str, float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found: Dict[str, float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}"] = sample.value
    return found


def test_requests_are_counted_by_route_template_and_status(settings: Settings) -> None:
    with TestClient(create_app(settings, assistant=echo(settings))) as client:
        for _ in range(2):
            assert client.post("/v1/chat", json={"message": "hello"}).status_code == 200
        assert client.post("/v1/chat", json={"message": ""}).status_code == 422
        client.get("/no-such-page-" + uuid.uuid4().hex)
        found = samples(client)
    assert found["kapbot_http_requests_total{method=POST,route=/v1/chat,status=200}"] == 2
    assert found["kapbot_http_requests_total{method=POST,route=/v1/chat,status=422}"] == 1
    # Unknown URLs share one label, so a scan cannot grow the label set.
    assert found["kapbot_http_requests_total{method=GET,route=unmatched,status=404}"] == 1
    assert found["kapbot_http_request_duration_seconds_count{method=POST,route=/v1/chat}"] == 3


def test_alerts_waiting_in_the_outbox_show(settings: Settings, tmp_path) -> None:
    own = settings.copy(update={"var_dir": tmp_path})
    with TestClient(create_app(own, assistant=echo(own))) as client:
        staff = StaffOutbox(open_database(own))
        with staff.engine.begin() as db:
            staff.store(db, MessageKind.alert, "http://127.0.0.1:9/alert", "{}")
        found = samples(client)
    assert found["kapbot_outbox_messages{kind=alert,state=pending}"] == 1


def test_a_token_guards_metrics_when_set(settings: Settings) -> None:
    guarded = settings.copy(update={"metrics_token": SecretStr("s3cret-token")})
    with TestClient(create_app(guarded, assistant=echo(guarded))) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert samples(client, Authorization="Bearer s3cret-token")


@pytest.mark.slow
def test_a_crisis_a_clarification_and_an_answer_each_show(settings: Settings, assistant) -> None:
    with TestClient(create_app(settings, assistant=assistant)) as client:
        def say(text: str) -> dict:
            response = client.post("/v1/chat", json={"sender_id": "metrics-" + uuid.uuid4().hex[:10], "message": text})
            assert response.status_code == 200
            return response.json()

        assert say("how long is a session?")["topic"] == "during.session_length"
        assert say(UNSURE)["fallback"] is True
        assert say("I want to kill myself tonight")["crisis"] is True
        say(PRIVATE)
        text = client.get("/metrics").text
        found = samples(client)
    assert found["kapbot_replies_total{outcome=answer}"] >= 1
    assert found["kapbot_replies_total{outcome=clarification}"] >= 1
    assert found["kapbot_replies_total{outcome=crisis}"] >= 1
    assert found["kapbot_crisis_detections_total{category=self_harm}"] >= 1
    assert found["kapbot_messages_total{channel=web}"] == 4
    assert "Robin" not in text and "hopeless" not in text and "metrics-" not in text
