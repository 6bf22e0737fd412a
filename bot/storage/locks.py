"""Rasa's lock store: one conversation's messages are handled one at a time.

In memory for one process; in Redis (``KAPBOT_REDIS_URL``) when several processes
serve the same conversations, so two messages of one conversation arriving at two
processes still wait for each other.

Rasa's own ``RedisLockStore`` reads a lock, changes it and writes it back in separate
steps (rasa#9213): two processes taking a ticket at the same moment can both get the
same number and answer at once, and one finishing can delete a ticket another just
took. ``AtomicRedisLockStore`` makes each change one Redis transaction instead.
"""
from __future__ import annotations

import json
from typing import Callable, Optional, Text, Tuple, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore, RedisLockStore

from bot.settings import Settings
from bot.storage.redis_url import KEY_PREFIX, TIMEOUT_SECONDS, parse_redis_url

T = TypeVar("T")


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store, each read-change-write of a lock done as one transaction
    (WATCH, then MULTI/EXEC), tried again when another process changed the lock meanwhile."""

    def _change(self, conversation_id: Text,
                change: Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], T]]) -> T:
        """``change`` gets the stored lock (None: there is none) and returns the lock to
        store (None: delete it) and what to return."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    lock, result = change(TicketLock.from_dict(json.loads(stored)) if stored else None)
                    pipe.multi()
                    if lock is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another process changed the lock: read it again

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except redis.RedisError as exc:
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def update_lock(self, conversation_id: Text) -> None:
        def drop_expired(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Gives the ticket back; the lock goes when no one else holds one."""

        def finish(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return (lock if lock is not None and lock.is_someone_waiting() else None), None

        self._change(conversation_id, finish)


def lock_store(settings: Settings) -> LockStore:
    if not settings.redis:
        return InMemoryLockStore()
    address = parse_redis_url(settings.redis)
    return AtomicRedisLockStore(
        host=address.host,
        port=address.port,
        db=address.db,
        username=address.username,
        password=address.password,
        use_ssl=address.ssl,
        key_prefix=KEY_PREFIX,  # keys kapbot:lock:<conversation id>
        socket_timeout=TIMEOUT_SECONDS,  # connecting too
    )


# What taking or letting go of a lock can raise when Redis is away or too slow.
LOCK_FAILURES = (redis.RedisError, LockError)
