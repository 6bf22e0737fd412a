"""Rate limits per client address and per conversation, counted by the `limits`
library (the engine behind slowapi), answered with 429 and Retry-After.

One ``RateLimits`` per app, so each app (and each test) has its own counters in
memory; with ``KAPBOT_REDIS_URL`` set the counters are in Redis, one count for
every process that shares it.
"""
from __future__ import annotations

import math
import time
from typing import Optional

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import ApiError, error_response
from bot.settings import Settings
from bot.storage.redis_url import KEY_PREFIX, TIMEOUT_SECONDS

# Paths a client can hit hard; health checks (GET /webhooks/rest/ too) and static
# files are not counted, nor the messaging webhooks, which come signed from a few
# provider addresses on behalf of many people. Only POST reaches the model.
LIMITED_PREFIXES = ("/v1/", "/webhooks/rest/")
LIMITED_METHODS = ("POST",)


class RateLimited(ApiError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        # Keep the storage referenced: the strategy holds only a weak reference to it.
        self.storage: Storage = (
            storage_from_string(settings.redis, socket_timeout=TIMEOUT_SECONDS,
                                socket_connect_timeout=TIMEOUT_SECONDS)
            if settings.redis else MemoryStorage()
        )
        self.strategy = MovingWindowRateLimiter(self.storage)
        self.per_client: RateLimitItem = parse(settings.rate_limit_per_client)
        self.per_conversation: RateLimitItem = parse(settings.rate_limit_per_conversation)

    def reachable(self) -> bool:
        """False when the counters are in a Redis that does not answer (blocks: a round trip)."""
        return bool(self.storage.check())

    def _hit(self, item: RateLimitItem, scope: str, key: str, what: str) -> None:
        if not self.strategy.hit(item, KEY_PREFIX, scope, key):
            reset_at, _ = self.strategy.get_window_stats(item, KEY_PREFIX, scope, key)
            retry_after = max(1, math.ceil(reset_at - time.time()))
            raise RateLimited(f"too many messages from this {what}; try again in {retry_after} s", retry_after)

    def hit_client(self, address: str) -> None:
        self._hit(self.per_client, "client", address, "address")

    def hit_conversation(self, sender_id: str) -> None:
        self._hit(self.per_conversation, "conversation", sender_id, "conversation")


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


class ClientRateLimitMiddleware:
    """Counts every request to a limited path against its client address."""

    def __init__(self, app: ASGIApp, limits: RateLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["method"] in LIMITED_METHODS
                and scope["path"].startswith(LIMITED_PREFIXES)):
            try:
                self.limits.hit_client(client_address(scope))
            except RateLimited as exc:
                response = error_response(429, exc.code, exc.message, **{"Retry-After": str(exc.retry_after)})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def conversation_limit(limits: Optional[RateLimits], sender_id: str) -> None:
    if limits is not None:
        limits.hit_conversation(sender_id)
