"""The one webhook sequence every messaging channel runs, and the routes that run it.

channel on? (else 404) -> verify (else 403, before anything is read) -> parse
-> per message: hashed sender id -> claim (a redelivery is acknowledged, not
answered again) -> answer -> finish (the answer's outbox calls are stored with
the claim) -> flush the outbox after the response -> acknowledge.
"""
from __future__ import annotations

from typing import List, Type

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import PlainTextResponse, Response

from api.channels.access import require_channel
from api.channels.base import Channel, Inbound, Turn, Unreadable
from api.channels.runtime import ChannelRuntime, RuntimeDep
from api.openapi import error_responses
from bot.log import logger

TAGS = ["messaging channels"]


async def handle_webhook(channel: Channel, request: Request, runtime: ChannelRuntime,
                         background: BackgroundTasks) -> Response:
    require_channel(runtime, channel.name)
    await channel.verify(request)
    try:
        messages = await channel.parse(request, runtime.store)
    except Unreadable as exc:
        logger.warning("%s: %s was acknowledged and ignored", channel.name, exc)
        return channel.acknowledge([])
    inline: List[str] = []
    try:
        for message in messages:
            inline += await _handle_one(channel, request, runtime, message)
    finally:
        if channel.outbox and messages:  # what was answered before a failure still goes out
            background.add_task(runtime.delivery.flush)
    return channel.acknowledge(inline)


async def _handle_one(channel: Channel, request: Request, runtime: ChannelRuntime, message: Inbound) -> List[str]:
    conversation = runtime.conversation_id(channel.name, message.address)
    message_id = channel.message_id(message, conversation)
    if not runtime.store.claim(channel.name, message_id, conversation):
        logger.info("%s: redelivery for %s ignored", channel.name, conversation)
        return []
    answer = await channel.answer(Turn(channel, request, runtime, message, conversation, message_id))
    runtime.store.finish(channel.name, message_id, answer.outgoing)
    return answer.inline


def channel_router(adapter: Type[Channel]) -> APIRouter:
    """``adapter``'s routes: the webhook, and the subscription handshake if it has one."""
    router = APIRouter(prefix=adapter.prefix, tags=list(TAGS))
    name = adapter.name

    if adapter.handshake_summary is not None:
        async def verify(request: Request, runtime: RuntimeDep) -> PlainTextResponse:
            require_channel(runtime, name)
            return PlainTextResponse(runtime.channel(name).handshake(request))

        router.add_api_route(
            "/webhook", verify, methods=["GET"], response_class=Response, summary=adapter.handshake_summary,
            responses={**adapter.handshake_docs, **error_responses(403, 404)},
        )

    async def webhook(request: Request, runtime: RuntimeDep, background: BackgroundTasks) -> Response:
        return await handle_webhook(runtime.channel(name), request, runtime, background)

    if adapter.ack_model is None:  # not JSON (TwiML): documented by ack_docs alone
        router.add_api_route("/webhook", webhook, methods=["POST"], response_class=Response,
                             summary=adapter.summary,
                             responses={**adapter.ack_docs, **error_responses(403, 404, 413, 503)})
    else:
        router.add_api_route("/webhook", webhook, methods=["POST"], response_model=adapter.ack_model,
                             summary=adapter.summary, responses=error_responses(403, 404, 413, 503))
    return router
