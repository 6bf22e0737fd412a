"""Twilio SMS and WhatsApp, at POST /webhooks/twilio/webhook.

Twilio posts a form and reads our reply from the response (TwiML), so there
is no outbound API call here and nothing to retry: if Twilio cannot reach us
it shows the failure in its console. The signature covers the URL Twilio
called, so behind a proxy KAPBOT_PUBLIC_URL must name the public address.
"""
from __future__ import annotations

from typing import List, Tuple

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from api.channels.access import Forbidden
from api.channels.base import Answer, Channel, Inbound, Turn, read
from api.channels.inbound import clean_text
from api.channels.sms import SMS_TARGET, Keyword, keyword, keyword_reply, numbered_options, pick_option, segments
from api.channels.store import ChannelStore
from api.openapi import text_body
from bot.engine import Reply
from bot.log import logger

SIGNATURE_HEADER = "X-Twilio-Signature"


class TwilioMessage(BaseModel):
    """The fields of Twilio's message webhook that we use (it sends many more)."""

    message_sid: str = Field(..., alias="MessageSid", min_length=1, max_length=64)
    sender: str = Field(..., alias="From", min_length=1, max_length=64)
    body: str = Field(default="", alias="Body")


def as_sms(reply: Reply) -> Tuple[List[str], List[str]]:
    """The reply as SMS segments, and the payloads its numbered options stand for."""
    texts = [segment for message in reply.messages for segment in segments(message.text)]
    buttons = {b.payload: b.title for message in reply.messages for b in message.buttons}
    if buttons:
        options = numbered_options(buttons.values())
        if texts and len(texts[-1]) + 2 + len(options) <= SMS_TARGET:
            texts[-1] = f"{texts[-1]}\n\n{options}"
        else:
            texts.append(options)
    return texts, list(buttons)


class Twilio(Channel):
    name = "twilio"
    prefix = "/webhooks/twilio"
    secrets = ("twilio_auth_token",)
    summary = "Twilio SMS / WhatsApp webhook (answers in TwiML)"
    ack_docs = text_body("application/xml", "TwiML: the replies as <Message> elements.")

    def signed_url(self, request: Request) -> str:
        """The URL Twilio signed: the public one when set (behind a proxy), else ours."""
        if not self.settings.public_url:
            return str(request.url)
        url = self.settings.public_url.rstrip("/") + request.url.path
        return f"{url}?{request.url.query}" if request.url.query else url

    async def verify(self, request: Request) -> None:
        form = await request.form()
        signature = request.headers.get(SIGNATURE_HEADER, "")
        validator = RequestValidator(self.secret("twilio_auth_token"))
        if not signature or not validator.validate(self.signed_url(request), form, signature):
            raise Forbidden("the request signature is missing or wrong")

    async def parse(self, request: Request, store: ChannelStore) -> List[Inbound]:
        message = read(TwilioMessage, await request.form(), "a signed request without a message")
        return [Inbound(message_id=message.message_sid, address=message.sender, text=message.body)]

    def acknowledge(self, inline: List[str]) -> Response:
        response = MessagingResponse()
        for text in inline:
            response.message(text)
        return Response(content=str(response), media_type="application/xml")

    async def answer(self, turn: Turn) -> Answer:
        """Carrier keywords first (no model), then opted-out numbers (checked, never answered), then the assistant."""
        store, conversation = turn.store, turn.conversation
        opted_out = store.is_opted_out(conversation)
        text = clean_text(turn.inbound.text)
        word = keyword(text, opted_out) if text else None
        if word is not None:
            knowledge = turn.runtime.knowledge
            logger.info("twilio: %s from %s", word.value.upper(), conversation)
            if word is Keyword.stop:
                store.set_opted_out(conversation, True)
                store.save_options(conversation, [])
            elif word is Keyword.start:
                store.set_opted_out(conversation, False)
            return Answer(inline=[keyword_reply(word, knowledge.library, knowledge.clinic)])
        if text is None:
            return Answer()
        if opted_out:
            # Carriers forbid replies after STOP, but a crisis must still reach the clinic's staff.
            await turn.screen(text)
            return Answer()
        choice = pick_option(text, store.options(conversation))
        texts, payloads = as_sms(await turn.respond(choice or text))
        store.save_options(conversation, payloads)
        return Answer(inline=texts)
