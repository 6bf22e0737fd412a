"""POST /webhooks/rest/webhook: Rasa's REST channel, for existing Rasa clients."""
from __future__ import annotations

from typing import List

from fastapi import APIRouter

from api.deps import AssistantDep, JsonBody, RateLimitsDep
from api.rate_limits import conversation_limit
from api.routes.chat import ERRORS
from api.schemas import RestMessage, RestRequest, web_text
from bot.action_links import LinkKind

router = APIRouter(prefix="/webhooks/rest", tags=["rasa channels"], dependencies=[JsonBody], responses=ERRORS)


@router.post(
    "/webhook",
    response_model=List[RestMessage],
    response_model_exclude_none=True,
    summary="Rasa REST channel: one list of bot messages per user message",
)
async def webhook(body: RestRequest, assistant: AssistantDep, limits: RateLimitsDep) -> List[RestMessage]:
    conversation_limit(limits, body.sender)
    reply = await assistant.respond(body.sender, body.message, channel="rest")
    return [
        RestMessage(
            recipient_id=reply.sender_id,
            # Calls only: Chatroom, like any client on react-markdown's default URL filter, turns
            # an sms: link into a link to nowhere; the text still says where to text.
            text=web_text(message, kinds=[LinkKind.call]),
            buttons=message.buttons or None,
        )
        for message in reply.messages
    ]


@router.get("/", summary="Rasa REST channel health check")
async def health() -> dict:
    return {"status": "ok"}
