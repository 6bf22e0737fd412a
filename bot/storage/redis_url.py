"""``KAPBOT_REDIS_URL``: the one Redis that several kapbot processes share.

Unset, every process keeps its locks, Socket.IO rooms and rate-limit counters in
memory. Set, Redis holds all three: Rasa's lock store (bot/storage/locks.py), the
Socket.IO manager (api/channels/socket_io.py) and the rate limits (api/rate_limits.py).
The URL is checked when the settings are read, so a bad one stops the start.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import unquote, urlsplit

SCHEMES = ("redis", "rediss")  # rediss: TLS
DEFAULT_PORT = 6379
# In every key and channel name kapbot uses there, so a Redis shared with other
# services is not disturbed (another kapbot on it takes another database number).
KEY_PREFIX = "kapbot"
# The lock store and the rate limits call Redis synchronously, on the event loop: a Redis
# that stops answering must fail a message, not freeze the process.
TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class RedisAddress:
    host: str
    port: int
    db: int
    username: Optional[str]
    password: Optional[str] = field(repr=False)
    ssl: bool


def parse_redis_url(url: str) -> RedisAddress:
    """``redis://[user[:password]@]host[:port][/db]`` or ``rediss://...``; ValueError otherwise.

    The message never repeats the URL: it may hold a password.
    """
    expected = "must be redis://[user:password@]host[:port][/db] or rediss://... (TLS)"
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{expected}: {exc}") from None
    if parts.scheme not in SCHEMES:
        raise ValueError(f"{expected}, not {parts.scheme or 'no'} scheme")
    if not parts.hostname:
        raise ValueError(f"{expected}: the host is missing")
    if parts.query or parts.fragment:
        raise ValueError(f"{expected}: options after ? or # are not read")
    db_text = parts.path.strip("/") or "0"
    if not db_text.isdigit():
        raise ValueError(f"{expected}: the database after / must be a number, not {db_text!r}")
    return RedisAddress(
        host=parts.hostname,
        port=port or DEFAULT_PORT,
        db=int(db_text),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        ssl=parts.scheme == "rediss",
    )
