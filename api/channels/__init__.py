"""Every way in: the web clients' channels (Rasa REST, Socket.IO) and the
messaging channels, Twilio (SMS, WhatsApp), Telegram, Facebook Messenger.

Every channel ends in the same call, ``Assistant.respond`` (crisis check
first); a messaging channel's conversation id is a keyed hash of the
provider's address. The messaging routes are always mounted; each checks at request
time that its channel has its secrets (else 404), then verifies the
provider's signature (else 403) before reading anything.

    base.py      the Channel shape (verify, parse, render, send_url) and a message's types
    webhook.py   the one webhook sequence, and the routes that run it for each channel
    registry.py  the channels there are: adding one is a module, its settings and a line here
    twilio.py, telegram.py, messenger.py   the adapters
    render.py    a bot message for a client: web markdown, text cut to a channel's limit
    web.py       a reply in each web client's envelope (/v1/chat, Rasa REST, Socket.IO)
    rest.py, socket_io.py   Rasa's REST and socketio channels (no verify or send step)
    identity.py  hashed, channel-namespaced conversation ids
    store.py     SQLite: handled message ids, SMS options and opt-outs, outbox
    outbound.py  the retrying HTTP sender
    delivery.py  the outbox: send now, retry later, in order
    sms.py       segments, numbered options, carrier keywords
    buttons.py   payloads and titles within provider limits
    access.py    404 for a channel that is off, 403 for a failed check
    inbound.py   text cleaning and the assistant call
    runtime.py   what the routes share per app (app.state.channels)
"""
from __future__ import annotations

from typing import Optional, Sequence, Type

from fastapi import APIRouter, FastAPI

from api.channels.base import Channel
from api.channels.delivery import outbox_lifespan
from api.channels.registry import ADAPTERS
from api.channels.runtime import ChannelRuntime
from api.channels.webhook import channel_router
from bot.content.knowledge import Knowledge
from bot.settings import Settings

__all__ = ["include_channels"]


def include_channels(app: FastAPI, settings: Settings, knowledge: Optional[Knowledge] = None,
                     adapters: Sequence[Type[Channel]] = ADAPTERS) -> None:
    """Mount every registered channel's routes and run the outbox for the app's lifetime."""
    app.state.channels = ChannelRuntime(settings, knowledge, adapters)
    # A router with no routes, only a lifespan: FastAPI merges it into the app's.
    app.include_router(APIRouter(lifespan=outbox_lifespan))
    for adapter in adapters:
        app.include_router(channel_router(adapter))
