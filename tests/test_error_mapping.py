"""kapbot's own errors (bot/errors.py) leave the API with a status and code, never as a bare 500."""
from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.errors import install_error_handlers
from bot.errors import ConfigError, ContentError, KapbotError, ModelError


@pytest.mark.parametrize(
    "error, status, code",
    [
        (ModelError("no trained model"), 503, "model_unavailable"),
        (ConfigError("clinic.yml: crisis: field required"), 500, "configuration_error"),
        (ContentError(Path("content/phrases.yml"), "body", "template error"), 500, "configuration_error"),
    ],
)
def test_kapbot_errors_have_a_status_and_code(error: KapbotError, status: int, code: str) -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/fails")
    async def fails() -> None:
        raise error

    response = TestClient(app, raise_server_exceptions=False).get("/fails")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert str(error) not in response.text  # file names and fields stay in the log
