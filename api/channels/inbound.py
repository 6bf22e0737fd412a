"""The steps every channel takes with an incoming message, once it is verified:
clean the text as the chat API does, and get the assistant's reply without
losing the message if that fails."""
from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, AsyncIterator, Optional

from fastapi import Request

from api.channels.access import ChannelUnavailable
from api.deps import get_assistant
from api.errors import NotReady
from api.schemas import clean_message
from bot.engine import Reply
from bot.log import logger

if TYPE_CHECKING:  # the runtime builds what imports this module
    from api.channels.runtime import ChannelRuntime

# Above every provider's own limit; bounds only a forged or odd payload.
CHANNEL_MAX_CHARS = 8000


def clean_text(raw: Optional[str]) -> Optional[str]:
    """The text the assistant reads; None for nothing readable (media only, blank).

    Providers already bound a message's length (Telegram 4096 characters, an SMS
    1600), and the patient cannot see an error here, so the whole message is
    kept: the crisis check must read all of it, not the chat API's first 1000.
    """
    if not raw:
        return None
    try:
        return clean_message(raw, max_chars=CHANNEL_MAX_CHARS)
    except ValueError:
        return None


@asynccontextmanager
async def _or_redeliver(
    runtime: ChannelRuntime, channel: str, message_id: str, conversation: str
) -> AsyncIterator[None]:
    """If the assistant is not ready or fails, the claim on the message is given
    back and the provider gets a 503, so its redelivery is handled later."""
    try:
        yield
    except NotReady:
        runtime.store.release(channel, message_id)
        raise
    except Exception as exc:
        runtime.store.release(channel, message_id)
        logger.error("%s: could not handle %s: %s", channel, conversation, type(exc).__name__)
        raise ChannelUnavailable("the message could not be handled now; deliver it again") from None


async def respond(request: Request, runtime: ChannelRuntime, channel: str, message_id: str,
                  conversation: str, text: str) -> Reply:
    """The assistant's reply (the crisis check runs first inside ``respond``)."""
    async with _or_redeliver(runtime, channel, message_id, conversation):
        reply = await get_assistant(request).respond(conversation, text, channel=channel)
    logger.info("%s: answered %s topic=%s crisis=%s", channel, conversation, reply.topic, reply.crisis)
    return reply


async def screen_opted_out(request: Request, runtime: ChannelRuntime, channel: str, message_id: str,
                           conversation: str, text: str) -> None:
    """A number that texted STOP gets no reply, but the crisis check and staff alert still run."""
    async with _or_redeliver(runtime, channel, message_id, conversation):
        crisis = await get_assistant(request).screen_silently(conversation, text, channel)
    logger.info("%s: opted-out %s checked, crisis=%s", channel, conversation, crisis)
