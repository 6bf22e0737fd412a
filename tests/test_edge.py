"""The public edge: rate limits, CORS allowlist, security headers, widget files. No model:
the limits count requests, not answers, so an echoing stand-in answers."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from bot.content.knowledge import Knowledge
from tests.no_model import EchoAssistant


@pytest.fixture
def strict_client(settings):
    strict = settings.copy(update={
        "rate_limit_per_client": "5/minute",
        "rate_limit_per_conversation": "3/minute",
        "allowed_origins": ["https://clinic.example"],
    })
    with TestClient(create_app(strict, assistant=EchoAssistant(Knowledge.from_settings(strict)))) as client:
        yield client


def test_per_conversation_limit_gives_429_with_retry_after(strict_client) -> None:
    statuses = [
        strict_client.post("/v1/chat", json={"sender_id": "limited-conv", "message": "hi"}).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    response = strict_client.post("/v1/chat", json={"sender_id": "limited-conv", "message": "hi"})
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_per_client_limit_covers_every_conversation(strict_client) -> None:
    statuses = [
        strict_client.post("/v1/chat", json={"sender_id": f"conv-{n}", "message": "hi"}).status_code
        for n in range(6)
    ]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
    assert strict_client.get("/healthz").status_code == 200  # health checks are not counted
    # Rasa's REST health check neither: no body, no JSON content type, no limit.
    assert strict_client.get("/webhooks/rest/").json() == {"status": "ok"}


def test_cors_allows_only_the_clinic(strict_client) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    ok = strict_client.options("/v1/chat", headers={"Origin": "https://clinic.example", **preflight})
    assert ok.headers["access-control-allow-origin"] == "https://clinic.example"
    bad = strict_client.options("/v1/chat", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in bad.headers


@pytest.mark.parametrize("path", ["/", "/widget.js", "/healthz"])
def test_security_headers(api, path) -> None:
    response = api.get(path)
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_widget_files_are_served(api) -> None:
    assert api.get("/widget.js").headers["content-type"].startswith("text/javascript")
    assert api.get("/widget.css").headers["content-type"].startswith("text/css")
    page = api.get("/")
    assert page.headers["content-type"].startswith("text/html") and "widget.js" in page.text


def test_openapi_documents_errors(api) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    for path in ("/v1/chat", "/webhooks/rest/webhook"):
        assert {"413", "415", "422", "429", "503"} <= set(paths[path]["post"]["responses"])
    assert "/widget.js" in paths and "/" in paths


@pytest.mark.parametrize(
    "method, path, allow",
    [("OPTIONS", "/webhooks/facebook/webhook", "GET, POST"), ("PUT", "/v1/chat", "POST"),
     ("DELETE", "/webhooks/rest/", "GET"), ("PATCH", "/widget.js", "GET")],
)
def test_405_allow_names_every_method_of_the_path(api, method: str, path: str, allow: str) -> None:
    response = api.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json()["error"]["code"] == "method_not_allowed"
