"""Delivering the outbox: replies reach the provider now, or later, never twice, in order.

Why an outbox: a webhook must be acknowledged quickly, and a provider's API
can be down exactly when a patient writes. So every reply is first written to
the outbox (in the same transaction that marks the incoming message handled),
then sent by ``flush``:

- right after the webhook's response (a background task), with the sender's
  bounded retries (api/channels/outbound.py);
- a call still failing stays ``pending`` with a growing delay and is tried
  again by the next flush: the next webhook of any channel, a poll every 30 s
  while the app runs, and at startup (calls a dead process left ``sending`` go
  back to pending first);
- when the channel policy is spent (``CHANNEL_RETRY`` in bot/storage/outbox.py:
  30 s, 60 s, ... capped at an hour, 8 tries), or on an error retrying cannot
  fix (a 4xx), it is marked ``failed`` and logged (id and status only).

The outbox, its claim and its backoff are the ones staff alerts use
(bot/storage/outbox.py); only the policy differs.

Order: a conversation's calls go in the order queued; while one waits, the
later ones wait too. One flush runs at a time per process; across processes
the outbox's atomic claim keeps any call from being sent twice.
"""
from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager, suppress
from typing import AsyncIterator, Optional

import httpx
from fastapi import FastAPI

from api.channels.outbound import Outbound
from api.channels.registry import BY_NAME
from api.channels.store import KIND, ChannelStore, channel_and_method, channel_policies
from bot.log import logger
from bot.settings import Settings
from bot.storage.outbox import CHANNEL_RETRY, Outbox, OutboxRow, Outcome

POLL_SECONDS = 30.0


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
        # The policy is read per flush, so a test (or an operator's patch) can shorten it.
        outbox = Outbox(self.store.engine, channel_policies(CHANNEL_RETRY))
        async with self.outbound.client() as client:
            async def send(row: OutboxRow) -> Outcome:
                return await self._send(client, row)

            return await outbox.deliver_due([KIND], send)

    async def _send(self, client: httpx.AsyncClient, row: OutboxRow) -> Outcome:
        channel, method = channel_and_method(row.destination)
        url = endpoint_url(self.settings, channel, method)
        if url is None:  # the channel was switched off: keep the call for later, not counted as a try
            return Outcome(error="channel off", counted=False, retry_after=CHANNEL_RETRY.max_delay)
        result = await self.outbound.post_json(client, url, json.loads(row.payload), f"{channel} outbox {row.id}")
        return Outcome() if result.ok else Outcome(error=result.error, retryable=result.retryable)

    async def run_forever(self) -> None:
        """At startup and then every POLL_SECONDS: what a crash or an outage left behind."""
        while True:
            try:
                requeued = self.store.requeue_abandoned()
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
