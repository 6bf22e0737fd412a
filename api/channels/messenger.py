"""GET/POST /webhooks/facebook/webhook: Facebook Messenger (a Page's inbox).

GET is Meta's subscription handshake (the verify token we chose, echoed
challenge). POST carries events signed with the app secret over the raw body
(X-Hub-Signature-256), checked before the body is parsed. Replies go out
through the Send API via the outbox after the webhook is acknowledged (Meta
wants a 200 quickly and redelivers otherwise). Buttons are quick replies;
a quick reply or a postback (a persistent-menu button) is read as the message.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Any, Dict, List, Optional

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, ValidationError

from api.channels.access import Forbidden, require_channel, same_secret
from api.channels.buttons import fit_payload, resolve_payload, short_title
from api.channels.inbound import clean_text, respond
from api.channels.runtime import ChannelRuntime, RuntimeDep
from api.channels.sms import split_text
from api.channels.store import Outgoing
from api.openapi import error_responses, text_body
from bot.engine import BotMessage
from bot.log import logger

CHANNEL = "messenger"
SIGNATURE_HEADER = "X-Hub-Signature-256"
TEXT_LIMIT = 2000
TITLE_LIMIT = 20
PAYLOAD_LIMIT = 1000
MAX_QUICK_REPLIES = 13
router = APIRouter(prefix="/webhooks/facebook", tags=["messaging channels"])


class FbUser(BaseModel):
    id: str


class FbQuickReply(BaseModel):
    payload: str


class FbMessage(BaseModel):
    mid: str
    text: Optional[str] = None
    quick_reply: Optional[FbQuickReply] = None
    is_echo: bool = False


class FbPostback(BaseModel):
    payload: Optional[str] = None
    mid: Optional[str] = None


class FbEvent(BaseModel):
    sender: FbUser
    timestamp: Optional[int] = None
    message: Optional[FbMessage] = None
    postback: Optional[FbPostback] = None


class FbEntry(BaseModel):
    messaging: List[FbEvent] = []


class FbWebhook(BaseModel):
    object: str
    entry: List[FbEntry] = []


def valid_signature(body: bytes, header: Optional[str], secret: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return header is not None and hmac.compare_digest(expected.encode(), header.encode("utf-8"))


def send_message(runtime: ChannelRuntime, conversation: str, psid: str, message: BotMessage) -> List[Outgoing]:
    """One Send API call per part; quick replies ride on the last part."""
    parts = split_text(message.text, target=TEXT_LIMIT, limit=TEXT_LIMIT)
    calls: List[Outgoing] = []
    for number, part in enumerate(parts, start=1):
        body: Dict[str, Any] = {"text": part}
        if number == len(parts) and message.buttons:
            body["quick_replies"] = [
                {"content_type": "text", "title": short_title(b.title, TITLE_LIMIT),
                 "payload": fit_payload(runtime.store, b.payload, PAYLOAD_LIMIT)}
                for b in message.buttons[:MAX_QUICK_REPLIES]
            ]
        payload = {"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": body}
        calls.append(Outgoing(channel=CHANNEL, conversation_id=conversation, method="messages", payload=payload))
    return calls


@router.get("/webhook", response_class=Response, summary="Messenger subscription handshake",
            responses={**text_body("text/plain", "The echoed hub.challenge."), **error_responses(403, 404)})
async def verify(request: Request, runtime: RuntimeDep) -> PlainTextResponse:
    require_channel(runtime, CHANNEL)
    query = request.query_params
    if query.get("hub.mode") != "subscribe" or not same_secret(
        query.get("hub.verify_token"), runtime.settings.messenger_verify_token
    ):
        raise Forbidden("the verify token is missing or wrong")
    return PlainTextResponse(query.get("hub.challenge", ""))


@router.post("/webhook", summary="Messenger webhook events", responses=error_responses(403, 404, 413, 503))
async def webhook(request: Request, runtime: RuntimeDep, background: BackgroundTasks) -> Dict[str, str]:
    require_channel(runtime, CHANNEL)
    body = await request.body()
    secret = runtime.settings.messenger_app_secret.get_secret_value()  # type: ignore[union-attr]
    if not valid_signature(body, request.headers.get(SIGNATURE_HEADER), secret):
        raise Forbidden("the request signature is missing or wrong")
    try:
        hook = FbWebhook.parse_raw(body)
    except ValidationError:
        logger.warning("messenger: an unreadable event was acknowledged and ignored")
        return {"status": "ok"}
    try:
        for event in (event for entry in hook.entry for event in entry.messaging):
            await _handle(request, runtime, event)
    finally:  # what was answered before a failure still goes out
        background.add_task(runtime.delivery.flush)
    return {"status": "ok"}


async def _handle(request: Request, runtime: ChannelRuntime, event: FbEvent) -> None:
    """One messaging event: a text, a quick reply or a postback; echoes and receipts are skipped."""
    raw: Optional[str] = None
    message_id: Optional[str] = None
    if event.message is not None and not event.message.is_echo:
        message_id = event.message.mid
        quick = event.message.quick_reply
        raw = resolve_payload(runtime.store, quick.payload) if quick else event.message.text
    elif event.postback is not None and event.postback.payload:
        raw = resolve_payload(runtime.store, event.postback.payload)
        message_id = event.postback.mid
    if raw is None:
        return
    conversation = runtime.conversation_id(CHANNEL, event.sender.id)
    # An old-style postback has no mid: the conversation and the time name it.
    message_id = message_id or f"postback-{conversation}-{event.timestamp}"
    if not runtime.store.claim(CHANNEL, message_id, conversation):
        logger.info("messenger: redelivery for %s ignored", conversation)
        return
    text = clean_text(raw)
    calls: List[Outgoing] = []
    if text is not None:
        reply = await respond(request, runtime, CHANNEL, message_id, conversation, text)
        calls = [call for m in reply.messages for call in send_message(runtime, conversation, event.sender.id, m)]
    runtime.store.finish(CHANNEL, message_id, calls)
