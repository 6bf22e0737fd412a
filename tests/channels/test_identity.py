"""Conversation ids are keyed hashes: stable, namespaced, and never the phone number or user id."""
from __future__ import annotations

import stat
import time

from api.channels.identity import KEY_FILE, channel_key, conversation_id, installation_key
from api.channels.store import ChannelStore
from bot.settings import Settings
from tests.databases import database

NUMBER = "+15550104477"


def test_the_id_is_namespaced_stable_and_hides_the_number() -> None:
    key = b"k" * 32
    first = conversation_id("twilio", NUMBER, key)
    assert first == conversation_id("twilio", NUMBER, key)
    assert first.startswith("twilio-") and len(first) <= 64
    assert "5550104477" not in first and "104477" not in first


def test_the_id_depends_on_the_key_and_the_channel() -> None:
    assert conversation_id("twilio", NUMBER, b"one") != conversation_id("twilio", NUMBER, b"two")
    assert conversation_id("telegram", "12345", b"k").split("-")[1] != conversation_id(
        "messenger", "12345", b"k").split("-")[1]


def test_an_installation_key_is_made_once_private_and_reused(tmp_path) -> None:
    key = installation_key(tmp_path)
    path = tmp_path / KEY_FILE
    assert len(key) == 64 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert installation_key(tmp_path) == key  # read back, not remade


def test_a_configured_key_wins_over_the_installation_key(tmp_path) -> None:
    configured = Settings(var_dir=tmp_path, channel_id_key="from-the-environment")
    assert channel_key(configured) == b"from-the-environment"
    assert not (tmp_path / KEY_FILE).exists()
    assert channel_key(Settings(var_dir=tmp_path)) == installation_key(tmp_path)


def test_claims_dedupe_and_an_abandoned_claim_can_be_taken_over(tmp_path, monkeypatch) -> None:
    store = ChannelStore(database(tmp_path))
    assert store.claim("telegram", "1", "telegram-abc")
    assert not store.claim("telegram", "1", "telegram-abc")  # a redelivery
    assert store.claim("messenger", "1", "messenger-abc")  # ids are per channel
    store.finish("telegram", "1", [])
    later = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: later)
    assert not store.claim("telegram", "1", "telegram-abc")  # answered: never again
    assert store.claim("messenger", "1", "messenger-abc")  # still "received" an hour on: abandoned
