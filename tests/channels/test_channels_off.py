"""A channel without its credentials is off: its routes answer 404 in the API's error shape."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.settings import Settings
from bot.storage.database import open_database
from bot.storage.tables import channel_inbox
from tests.channels.conftest import channel_settings, open_client

ROUTES = [
    ("POST", "/webhooks/twilio/webhook"),
    ("POST", "/webhooks/telegram/webhook"),
    ("GET", "/webhooks/facebook/webhook"),
    ("POST", "/webhooks/facebook/webhook"),
]


@pytest.fixture
def off_settings(tmp_path) -> Settings:
    return Settings(var_dir=tmp_path)


@pytest.mark.parametrize("method, path", ROUTES)
def test_unconfigured_channels_answer_404(fake, off_settings, method, path) -> None:
    assert off_settings.twilio_auth_token is None and off_settings.telegram_token is None
    with open_client(off_settings, fake) as client:
        response = client.request(method, path, data={"Body": "hi"})
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not Found"}}


def test_no_channel_state_is_made_while_channels_are_off(fake, off_settings) -> None:
    with open_client(off_settings, fake) as client:
        client.post("/webhooks/telegram/webhook", json={"update_id": 1})
    with open_database(off_settings).connect() as db:
        assert db.execute(select(func.count()).select_from(channel_inbox)).scalar() == 0
    assert not (off_settings.var_dir / "channel_id.key").exists()


def test_a_channel_missing_one_secret_is_off(fake, make_httpserver, tmp_path) -> None:
    settings = channel_settings(tmp_path, make_httpserver.url_for, telegram_secret=None,
                                messenger_page_token=None)
    with open_client(settings, fake) as client:
        assert client.post("/webhooks/telegram/webhook", json={"update_id": 1}).status_code == 404
        assert client.get("/webhooks/facebook/webhook").status_code == 404
        # Twilio has its token: it is on, and refuses the unsigned request.
        assert client.post("/webhooks/twilio/webhook", data={"Body": "hi"}).status_code == 403
