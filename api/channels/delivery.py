"""Delivering the outbox: replies reach the provider now, or later, never twice, in order.

Why an outbox: a webhook must be acknowledged quickly, and a provider's API
can be down exactly when a patient writes. So every reply is first written to
the outbox (in the same transaction that marks the incoming message handled),
then sent by ``flush``:

- right after the webhook's response (a background task), with the sender's
  bounded retries (api/channels/outbound.py);
- a call still failing stays ``pending`` with a growing delay (30 s, 60 s, ...
  capped at an hour) and is tried again by the next flush: the next webhook of
  any channel, a poll every 30 s while the app runs, and at startup (calls a
  dead process left ``sending`` go back to pending first);
- after MAX_RUNS failed runs, or an error retrying cannot fix (a 4xx), it is
  marked ``failed`` and logged (id and status only).

Order: a conversation's calls go in the order queued; while one waits, the
later ones wait too. One flush runs at a time per process; across processes
``ChannelStore.take`` keeps any call from being sent twice.
"""
from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager, suppress
from typing import AsyncIterator, Optional, Set

from fastapi import FastAPI

from api.channels.outbound import Outbound
from api.channels.registry import BY_NAME
from api.channels.store import ChannelStore
from bot.log import logger
from bot.settings import Settings

MAX_RUNS = 8
RETRY_BASE_SECONDS = 30.0
RETRY_CAP_SECONDS = 3600.0
POLL_SECONDS = 30.0
ABANDONED_AFTER_SECONDS = 300.0


def endpoint_url(settings: Settings, channel: str, method: str) -> Optional[str]:
    """The provider URL for ``method``, built at send time so no secret is ever stored."""
    adapter = BY_NAME.get(channel)
    return adapter(settings).send_url(method) if adapter is not None else None


class Delivery:
    def __init__(self, settings: Settings, store: ChannelStore, outbound: Outbound) -> None:
        self.settings = settings
        self.store = store
        self.outbound = outbound
        self._running = False

    async def flush(self) -> int:
        """Send every due pending call; returns how many were sent."""
        # One flush at a time (a later one waits): keeps each conversation in order.
        while self._running:
            await asyncio.sleep(0.02)
        self._running = True
        try:
            return await self._run()
        finally:
            self._running = False

    async def _run(self) -> int:
        rows = self.store.pending()
        if not rows:
            return 0
        blocked: Set[str] = set()
        sent, now = 0, time.time()
        async with self.outbound.client() as client:
            for row in rows:
                if row.conversation_id in blocked:
                    continue
                if row.next_attempt_at > now or not self.store.take(row.id):
                    blocked.add(row.conversation_id)
                    continue
                label = f"{row.channel} outbox {row.id}"
                url = endpoint_url(self.settings, row.channel, row.method)
                if url is None:  # the channel was switched off: keep the call for later
                    self.store.settle(row.id, "pending", row.attempts, "channel off", now + RETRY_CAP_SECONDS)
                    blocked.add(row.conversation_id)
                    continue
                result = await self.outbound.post_json(client, url, row.payload, label)
                runs = row.attempts + 1
                if result.ok:
                    self.store.settle(row.id, "sent", runs)
                    sent += 1
                elif not result.retryable or runs >= MAX_RUNS:
                    # Given up: it no longer holds back the rest of the conversation.
                    self.store.settle(row.id, "failed", runs, result.error)
                    logger.error("%s: failed for good after %s runs (%s)", label, runs, result.error)
                else:
                    delay = min(RETRY_BASE_SECONDS * 2 ** (runs - 1), RETRY_CAP_SECONDS)
                    self.store.settle(row.id, "pending", runs, result.error, time.time() + delay)
                    blocked.add(row.conversation_id)
                    logger.warning("%s: will retry in %.0f s", label, delay)
        return sent

    async def run_forever(self) -> None:
        """At startup and then every POLL_SECONDS: what a crash or an outage left behind."""
        while True:
            try:
                requeued = self.store.requeue_abandoned(ABANDONED_AFTER_SECONDS)
                if requeued:
                    logger.info("outbox: %s abandoned calls queued again", requeued)
                await self.flush()
            except Exception as exc:  # keep polling; the next run may succeed
                logger.error("outbox flush failed: %s", type(exc).__name__)
            await asyncio.sleep(POLL_SECONDS)


@asynccontextmanager
async def outbox_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Runs the outbox poll for the app's lifetime when any channel is on."""
    runtime = getattr(app.state, "channels", None)
    task: Optional[asyncio.Task] = None
    if runtime is not None and runtime.any_configured():
        task = asyncio.create_task(runtime.delivery.run_forever())
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
