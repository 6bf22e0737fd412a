"""Messaging channels: Twilio (SMS, WhatsApp), Telegram, Facebook Messenger.

Every channel ends in the same call as the web chat, ``Assistant.respond``
(crisis check first), under a conversation id that is a keyed hash of the
provider's address. The routes are always mounted; each checks at request
time that its channel has its secrets (else 404), then verifies the
provider's signature (else 403) before reading anything.

    identity.py  hashed, channel-namespaced conversation ids
    store.py     SQLite: handled message ids, SMS options and opt-outs, outbox
    outbound.py  the retrying HTTP sender
    delivery.py  the outbox: send now, retry later, in order
    sms.py       segments, numbered options, carrier keywords
    buttons.py   payloads and titles within provider limits
    access.py    404 for a channel that is off, 403 for a failed check
    inbound.py   text cleaning and the assistant call, shared by the routes
    runtime.py   what the routes share per app (app.state.channels)
"""
from __future__ import annotations

from fastapi import APIRouter, FastAPI

from api.channels import messenger, telegram, twilio
from api.channels.delivery import outbox_lifespan
from api.channels.runtime import ChannelRuntime
from bot.settings import Settings

__all__ = ["include_channels"]


def include_channels(app: FastAPI, settings: Settings) -> None:
    """Mount the channel routes and run the outbox for the app's lifetime."""
    app.state.channels = ChannelRuntime(settings)
    # A router with no routes, only a lifespan: FastAPI merges it into the app's.
    app.include_router(APIRouter(lifespan=outbox_lifespan))
    for module in (twilio, telegram, messenger):
        app.include_router(module.router)
