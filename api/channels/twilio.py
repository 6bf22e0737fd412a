"""POST /webhooks/twilio/webhook: SMS and WhatsApp through Twilio.

Twilio posts a form and reads our reply from the response (TwiML), so there
is no outbound API call here and nothing to retry: if Twilio cannot reach us
it shows the failure in its console. The signature covers the URL Twilio
called, so behind a proxy KAPBOT_PUBLIC_URL must name the public address.
"""
from __future__ import annotations

from typing import List, Tuple

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from api.channels.access import Forbidden, require_channel
from api.channels.inbound import clean_text, respond, screen_opted_out
from api.channels.runtime import ChannelRuntime, RuntimeDep
from api.channels.sms import (
    SMS_TARGET, Keyword, keyword, keyword_reply, numbered_options, pick_option, split_text,
)
from api.openapi import error_responses, text_body
from bot.engine import Reply
from bot.knowledge import get_knowledge
from bot.log import logger
from bot.settings import Settings

CHANNEL = "twilio"
router = APIRouter(prefix="/webhooks/twilio", tags=["messaging channels"])


class TwilioMessage(BaseModel):
    """The fields of Twilio's message webhook that we use (it sends many more)."""

    message_sid: str = Field(..., alias="MessageSid", min_length=1, max_length=64)
    sender: str = Field(..., alias="From", min_length=1, max_length=64)
    body: str = Field("", alias="Body")


def signed_url(request: Request, settings: Settings) -> str:
    """The URL Twilio signed: the public one when set (behind a proxy), else ours."""
    if not settings.public_url:
        return str(request.url)
    url = settings.public_url.rstrip("/") + request.url.path
    return f"{url}?{request.url.query}" if request.url.query else url


def twiml(segments: List[str]) -> Response:
    response = MessagingResponse()
    for segment in segments:
        response.message(segment)
    return Response(content=str(response), media_type="application/xml")


def as_sms(reply: Reply) -> Tuple[List[str], List[str]]:
    """The reply as SMS segments, and the payloads its numbered options stand for."""
    segments = [segment for message in reply.messages for segment in split_text(message.text)]
    buttons = {b.payload: b.title for message in reply.messages for b in message.buttons}
    if buttons:
        options = numbered_options(buttons.values())
        if segments and len(segments[-1]) + 2 + len(options) <= SMS_TARGET:
            segments[-1] = f"{segments[-1]}\n\n{options}"
        else:
            segments.append(options)
    return segments, list(buttons)


@router.post(
    "/webhook",
    response_class=Response,
    summary="Twilio SMS / WhatsApp webhook (answers in TwiML)",
    responses={**text_body("application/xml", "TwiML: the replies as <Message> elements."),
               **error_responses(403, 404, 413, 503)},
)
async def webhook(request: Request, runtime: RuntimeDep) -> Response:
    require_channel(runtime, CHANNEL)
    form = await request.form()
    signature = request.headers.get("X-Twilio-Signature", "")
    validator = RequestValidator(runtime.settings.twilio_auth_token.get_secret_value())  # type: ignore[union-attr]
    if not signature or not validator.validate(signed_url(request, runtime.settings), form, signature):
        raise Forbidden("the request signature is missing or wrong")
    try:
        message = TwilioMessage.parse_obj(dict(form))
    except ValidationError:
        logger.warning("twilio: a signed request without a message was ignored")
        return twiml([])
    conversation = runtime.conversation_id(CHANNEL, message.sender)
    if not runtime.store.claim(CHANNEL, message.message_sid, conversation):
        logger.info("twilio: redelivery for %s ignored", conversation)
        return twiml([])
    segments = await _answer(request, runtime, message, conversation)
    runtime.store.finish(CHANNEL, message.message_sid, [])
    return twiml(segments)


async def _answer(request: Request, runtime: ChannelRuntime, message: TwilioMessage,
                  conversation: str) -> List[str]:
    """Carrier keywords first (no model), then opted-out numbers (checked, never answered), then the assistant."""
    store = runtime.store
    opted_out = store.is_opted_out(conversation)
    text = clean_text(message.body)
    word = keyword(text, opted_out) if text else None
    if word is not None:
        knowledge = get_knowledge()
        logger.info("twilio: %s from %s", word.value.upper(), conversation)
        if word is Keyword.stop:
            store.set_opted_out(conversation, True)
            store.save_options(conversation, [])
        elif word is Keyword.start:
            store.set_opted_out(conversation, False)
        return [keyword_reply(word, knowledge.library, knowledge.clinic)]
    if text is None:
        return []
    if opted_out:
        # Carriers forbid replies after STOP, but a crisis must still reach the clinic's staff.
        await screen_opted_out(request, runtime, CHANNEL, message.message_sid, conversation, text)
        return []
    choice = pick_option(text, store.options(conversation))
    reply = await respond(request, runtime, CHANNEL, message.message_sid, conversation, choice or text)
    segments, payloads = as_sms(reply)
    store.save_options(conversation, payloads)
    return segments
