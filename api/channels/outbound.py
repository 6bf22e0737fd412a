"""The retrying HTTP sender for provider APIs (Telegram Bot API, Messenger Send API).

Bounded: a few attempts with exponential backoff, each under a timeout, so a
slow provider cannot hold a worker for long; what still fails goes back to the
outbox for later (api/channels/delivery.py). Only 429, 5xx and network errors
are retried: any other 4xx (user blocked the bot, bad token) will not get
better by asking again.

The provider URLs carry secrets (Telegram's token is in the path, Messenger's
in the query), so no URL, body or exception text is ever logged; httpx's own
request log (INFO, full URL) is switched off for the same reason.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, NamedTuple, Optional, Tuple

import httpx

from bot.log import logger

# httpx logs every request's full URL at INFO: that would log the bot tokens.
logging.getLogger("httpx").setLevel(logging.WARNING)

RETRY_AFTER_CAP = 5.0


class SendResult(NamedTuple):
    ok: bool
    retryable: bool = False
    error: Optional[str] = None  # "HTTP 500" or an exception type: never a URL or text


class Outbound:
    def __init__(self, attempts: int = 3, base_delay: float = 0.5, timeout: float = 10.0) -> None:
        self.attempts = attempts
        self.base_delay = base_delay
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))

    def client(self) -> httpx.AsyncClient:
        """One client per delivery run (a client is bound to the event loop that uses it)."""
        return httpx.AsyncClient(timeout=self.timeout)

    async def post_json(self, client: httpx.AsyncClient, url: str, payload: Dict[str, Any],
                        label: str) -> SendResult:
        """POST with retries; ``label`` (e.g. "outbox 12") is what the log may name."""
        result = SendResult(ok=False, retryable=True, error="not tried")
        for attempt in range(1, self.attempts + 1):
            result, retry_after = await self._once(client, url, payload)
            if result.ok or not result.retryable:
                break
            logger.warning("%s: attempt %s/%s failed: %s", label, attempt, self.attempts, result.error)
            if attempt < self.attempts:
                delay = self.base_delay * 2 ** (attempt - 1)
                await asyncio.sleep(max(delay, min(retry_after or 0.0, RETRY_AFTER_CAP)))
        if not result.ok:
            logger.warning("%s: not sent (%s)", label, result.error)
        return result

    @staticmethod
    async def _once(client: httpx.AsyncClient, url: str,
                    payload: Dict[str, Any]) -> Tuple[SendResult, Optional[float]]:
        try:
            response = await client.post(url, json=payload)
        except httpx.HTTPError as exc:
            return SendResult(ok=False, retryable=True, error=type(exc).__name__), None
        status = response.status_code
        if status < 300:
            return SendResult(ok=True), None
        retryable = status == 429 or status >= 500
        return SendResult(ok=False, retryable=retryable, error=f"HTTP {status}"), _retry_after(response)


def _retry_after(response: httpx.Response) -> Optional[float]:
    value = response.headers.get("retry-after", "")
    try:
        return float(value) if value else None
    except ValueError:
        return None
