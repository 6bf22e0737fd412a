"""Facebook Messenger (a Page's inbox), at GET/POST /webhooks/facebook/webhook.

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
from urllib.parse import quote

from fastapi import Request
from pydantic import BaseModel

from api.channels.access import Forbidden, same_secret
from api.channels.base import Inbound, SendingChannel, Turn, read
from api.channels.buttons import fit_payload, resolve_payload, short_title
from api.channels.store import ChannelStore
from api.openapi import text_body
from bot.content.answers import Button

SIGNATURE_HEADER = "X-Hub-Signature-256"
TITLE_LIMIT = 20
PAYLOAD_LIMIT = 1000
MAX_QUICK_REPLIES = 13


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


def _inbound(event: FbEvent, store: ChannelStore) -> Optional[Inbound]:
    """A text, a quick reply or a postback; None for echoes and receipts."""
    raw: Optional[str] = None
    message_id: Optional[str] = None
    if event.message is not None and not event.message.is_echo:
        message_id = event.message.mid
        quick = event.message.quick_reply
        raw = resolve_payload(store, quick.payload) if quick else event.message.text
    elif event.postback is not None and event.postback.payload:
        raw = resolve_payload(store, event.postback.payload)
        message_id = event.postback.mid
    if raw is None:
        return None
    return Inbound(message_id=message_id, address=event.sender.id, text=raw, sent_at=event.timestamp)


class Messenger(SendingChannel):
    name = "messenger"
    prefix = "/webhooks/facebook"
    secrets = ("messenger_verify_token", "messenger_app_secret", "messenger_page_token")
    summary = "Messenger webhook events"
    handshake_summary = "Messenger subscription handshake"
    handshake_docs = text_body("text/plain", "The echoed hub.challenge.")
    ack_model = Dict[str, str]
    ack_body = {"status": "ok"}
    text_limit = 2000
    send_method = "messages"

    def handshake(self, request: Request) -> str:
        """Meta's subscription check: ``subscribe`` with the verify token we chose; echo the challenge."""
        query = request.query_params
        if query.get("hub.mode") != "subscribe" or not same_secret(
            query.get("hub.verify_token"), self.settings.messenger_verify_token
        ):
            raise Forbidden("the verify token is missing or wrong")
        return query.get("hub.challenge", "")

    def message_id(self, inbound: Inbound, conversation: str) -> str:
        # An old-style postback has no mid: the conversation and the time name it.
        return inbound.message_id or f"postback-{conversation}-{inbound.sent_at}"

    async def verify(self, request: Request) -> None:
        body = await request.body()
        if not valid_signature(body, request.headers.get(SIGNATURE_HEADER), self.secret("messenger_app_secret")):
            raise Forbidden("the request signature is missing or wrong")

    async def parse(self, request: Request, store: ChannelStore) -> List[Inbound]:
        hook = read(FbWebhook, await request.body(), "an unreadable event")
        found = (_inbound(event, store) for entry in hook.entry for event in entry.messaging)
        return [inbound for inbound in found if inbound is not None]

    def send_url(self, method: str) -> Optional[str]:
        if self.settings.messenger_page_token is None:
            return None
        token = quote(self.secret("messenger_page_token"), safe="")
        return f"{self.settings.messenger_api_url.rstrip('/')}/me/{method}?access_token={token}"

    def message_payload(self, turn: Turn, text: str, buttons: List[Button]) -> Dict[str, Any]:
        body: Dict[str, Any] = {"text": text}
        if buttons:
            body["quick_replies"] = [
                {"content_type": "text", "title": short_title(b.title, TITLE_LIMIT),
                 "payload": fit_payload(turn.store, b.payload, PAYLOAD_LIMIT)}
                for b in buttons[:MAX_QUICK_REPLIES]
            ]
        return {"recipient": {"id": turn.inbound.address}, "messaging_type": "RESPONSE", "message": body}
