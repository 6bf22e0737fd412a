"""POST /webhooks/telegram/webhook: a Telegram bot.

Telegram proves a webhook call with the secret token we gave it when setting
the webhook (X-Telegram-Bot-Api-Secret-Token). Replies go out through the Bot
API (sendMessage) via the outbox, after this webhook is acknowledged, so a
Telegram outage delays an answer but does not lose it. Buttons are an inline
keyboard; a pressed button arrives as a callback_query, which we acknowledge
(answerCallbackQuery, so the button stops spinning) and read as the message.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from fastapi import APIRouter, BackgroundTasks, Request
from pydantic import BaseModel, Field, ValidationError

from api.channels.access import Forbidden, require_channel, same_secret
from api.channels.buttons import fit_payload, resolve_payload
from api.channels.inbound import clean_text, respond
from api.channels.runtime import ChannelRuntime, RuntimeDep
from api.channels.sms import split_text
from api.channels.store import Outgoing
from api.openapi import error_responses
from bot.engine import BotMessage
from bot.log import logger

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TEXT_LIMIT = 4096
CALLBACK_DATA_BYTES = 64
router = APIRouter(prefix="/webhooks/telegram", tags=["messaging channels"])


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


def send_message(runtime: ChannelRuntime, conversation: str, chat_id: int,
                 message: BotMessage) -> List[Outgoing]:
    """One sendMessage per part; the inline keyboard rides on the last part."""
    parts = split_text(message.text, target=TEXT_LIMIT, limit=TEXT_LIMIT)
    calls: List[Outgoing] = []
    for number, part in enumerate(parts, start=1):
        payload: Dict[str, Any] = {"chat_id": chat_id, "text": part}
        if number == len(parts) and message.buttons:
            payload["reply_markup"] = {"inline_keyboard": [
                [{"text": b.title,
                  "callback_data": fit_payload(runtime.store, b.payload, CALLBACK_DATA_BYTES)}]
                for b in message.buttons
            ]}
        calls.append(Outgoing(channel=CHANNEL, conversation_id=conversation,
                              method="sendMessage", payload=payload))
    return calls


@router.post(
    "/webhook",
    summary="Telegram bot webhook",
    responses=error_responses(403, 404, 413, 503),
)
async def webhook(request: Request, runtime: RuntimeDep, background: BackgroundTasks) -> Dict[str, bool]:
    require_channel(runtime, CHANNEL)
    if not same_secret(request.headers.get(SECRET_HEADER), runtime.settings.telegram_secret):
        raise Forbidden("the secret token is missing or wrong")
    try:
        update = TgUpdate.parse_raw(await request.body())
    except ValidationError:
        logger.warning("telegram: an unreadable update was acknowledged and ignored")
        return {"ok": True}
    query = update.callback_query
    chat_id: Optional[int] = None
    raw: Optional[str] = None
    if query is not None:
        chat_id = query.message.chat.id if query.message else query.sender.id
        raw = resolve_payload(runtime.store, query.data) if query.data else None
    elif update.message is not None:
        chat_id, raw = update.message.chat.id, update.message.text
    if chat_id is None:
        return {"ok": True}
    conversation = runtime.conversation_id(CHANNEL, str(chat_id))
    message_id = str(update.update_id)
    if not runtime.store.claim(CHANNEL, message_id, conversation):
        logger.info("telegram: redelivery for %s ignored", conversation)
        return {"ok": True}
    calls: List[Outgoing] = []
    if query is not None:
        calls.append(Outgoing(channel=CHANNEL, conversation_id=conversation,
                              method="answerCallbackQuery", payload={"callback_query_id": query.id}))
    text = clean_text(raw)
    if text is not None:
        reply = await respond(request, runtime, CHANNEL, message_id, conversation, text)
        calls += [call for m in reply.messages for call in send_message(runtime, conversation, chat_id, m)]
    runtime.store.finish(CHANNEL, message_id, calls)
    background.add_task(runtime.delivery.flush)
    return {"ok": True}
