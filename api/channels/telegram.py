"""A Telegram bot, at POST /webhooks/telegram/webhook.

Telegram proves a webhook call with the secret token we gave it when setting
the webhook (X-Telegram-Bot-Api-Secret-Token). Replies go out through the Bot
API (sendMessage) via the outbox, after this webhook is acknowledged, so a
Telegram outage delays an answer but does not lose it. Buttons are an inline
keyboard; a pressed button arrives as a callback_query, which we acknowledge
(answerCallbackQuery, so the button stops spinning) and read as the message.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from fastapi import Request
from pydantic import BaseModel, Field

from api.channels.access import Forbidden, same_secret
from api.channels.base import Inbound, ProviderCall, SendingChannel, Turn, read
from api.channels.buttons import fit_payload, resolve_payload
from api.channels.store import ChannelStore
from bot.content.answers import Button

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CALLBACK_DATA_BYTES = 64


class TgChat(BaseModel):
    id: int


class TgUser(BaseModel):
    id: int


class TgMessage(BaseModel):
    message_id: int
    chat: TgChat
    text: Optional[str] = None


class TgCallbackQuery(BaseModel):
    id: str
    sender: TgUser = Field(..., alias="from")
    message: Optional[TgMessage] = None
    data: Optional[str] = None


class TgUpdate(BaseModel):
    """The parts of an Update we answer; other kinds (edits, channel posts) are acknowledged."""

    update_id: int
    message: Optional[TgMessage] = None
    callback_query: Optional[TgCallbackQuery] = None


class Telegram(SendingChannel):
    name = "telegram"
    prefix = "/webhooks/telegram"
    secrets = ("telegram_token", "telegram_secret")
    summary = "Telegram bot webhook"
    ack_model = Dict[str, bool]
    ack_body = {"ok": True}
    text_limit = 4096
    send_method = "sendMessage"

    async def verify(self, request: Request) -> None:
        if not same_secret(request.headers.get(SECRET_HEADER), self.settings.telegram_secret):
            raise Forbidden("the secret token is missing or wrong")

    async def parse(self, request: Request, store: ChannelStore) -> List[Inbound]:
        update = read(TgUpdate, await request.body(), "an unreadable update")
        query, message_id = update.callback_query, str(update.update_id)
        if query is not None:
            chat_id = query.message.chat.id if query.message else query.sender.id
            text = resolve_payload(store, query.data) if query.data else None
            ack = ProviderCall(method="answerCallbackQuery", payload={"callback_query_id": query.id})
            return [Inbound(message_id=message_id, address=str(chat_id), text=text, first=[ack])]
        if update.message is not None:
            return [Inbound(message_id=message_id, address=str(update.message.chat.id), text=update.message.text)]
        return []

    def send_url(self, method: str) -> Optional[str]:
        if self.settings.telegram_token is None:
            return None
        return f"{self.settings.telegram_api_url.rstrip('/')}/bot{self.secret('telegram_token')}/{method}"

    def message_payload(self, turn: Turn, text: str, buttons: List[Button]) -> Dict[str, Any]:
        payload: Dict[str, Any] = {"chat_id": int(turn.inbound.address), "text": text}
        if buttons:
            payload["reply_markup"] = {"inline_keyboard": [
                [{"text": b.title, "callback_data": fit_payload(turn.store, b.payload, CALLBACK_DATA_BYTES)}]
                for b in buttons
            ]}
        return payload
