"""Conversation ids for messaging channels: namespaced, and never a phone number or user id.

A phone number is personal data, and conversation ids end up in logs, staff
alerts and the conversation store. So the id is a keyed hash (HMAC-SHA256) of
the provider's address: stable for the same person, useless to anyone without
the key, and different per installation (the same number at two clinics gives
two unrelated ids). A plain hash would not do: phone numbers are few enough to
be hashed exhaustively.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from bot.settings import Settings

KEY_FILE = "channel_id.key"
# 32 hex characters = 128 bits: no collisions in practice, and the id stays short.
DIGEST_CHARS = 32


def installation_key(var_dir: Path) -> bytes:
    """The key made for this installation on first use, then read back forever.

    Created with O_EXCL so two workers starting at once cannot each write a
    different key (the loser reads the winner's); owner-readable only.
    """
    path = var_dir / KEY_FILE
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32))
    key = path.read_text(encoding="ascii").strip()
    if not key:
        raise RuntimeError(f"{path} is empty; delete it to make a new channel id key")
    return key.encode("ascii")


def channel_key(settings: Settings) -> bytes:
    """The configured key (KAPBOT_CHANNEL_ID_KEY), else this installation's own."""
    if settings.channel_id_key is not None and settings.channel_id_key.get_secret_value():
        return settings.channel_id_key.get_secret_value().encode("utf-8")
    return installation_key(settings.var_dir)


def conversation_id(channel: str, address: str, key: bytes) -> str:
    """``<channel>-<hmac>``: fits the API's sender id rule (64 of A-Za-z0-9_-)."""
    digest = hmac.new(key, f"{channel}:{address}".encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{channel}-{digest[:DIGEST_CHARS]}"
