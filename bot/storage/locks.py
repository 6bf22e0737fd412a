"""Rasa's lock store: one conversation's messages are handled one at a time.

In memory for one process; in Redis (``KAPBOT_REDIS_URL``) when several processes
serve the same conversations, so two messages of one conversation arriving at two
processes still wait for each other.
"""
from __future__ import annotations

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore

from bot.settings import Settings
from bot.storage.redis_url import KEY_PREFIX, parse_redis_url


def lock_store(settings: Settings) -> LockStore:
    if not settings.redis_url:
        return InMemoryLockStore()
    address = parse_redis_url(settings.redis_url)
    return RedisLockStore(
        host=address.host,
        port=address.port,
        db=address.db,
        username=address.username,
        password=address.password,
        use_ssl=address.ssl,
        key_prefix=KEY_PREFIX,  # keys kapbot:lock:<conversation id>
    )
