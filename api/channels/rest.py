"""POST /webhooks/rest/webhook: Rasa's REST channel, for existing Rasa clients."""
from __future__ import annotations

from typing import List

from fastapi import APIRouter

from api.deps import AssistantDep, JsonBody, RateLimitsDep
from api.rate_limits import conversation_limit
from api.routes.chat import ERRORS
from api.schemas import HealthStatus, RestMessage, RestRequest, web_text
from bot.action_links import LinkKind

router = APIRouter(prefix="/webhooks/rest", tags=["rasa channels"])


@router.post(
    "/webhook",
    # JSON is required of the webhook only: the health check below has no body.
    dependencies=[JsonBody],
    responses=ERRORS,
    response_model=List[RestMessage],
    response_model_exclude_defaults=True,
    summary="Rasa REST channel: one list of bot messages per user message",
)
async def webhook(body: RestRequest, assistant: AssistantDep, limits: RateLimitsDep) -> List[RestMessage]:
    conversation_limit(limits, body.sender)
    reply = await assistant.respond(body.sender, body.message, channel="rest", metadata=body.metadata)
    return [
        RestMessage(
            recipient_id=reply.sender_id,
            # Calls only: Chatroom, like any client on react-markdown's default URL filter, turns
            # an sms: link into a link to nowhere; the text still says where to text.
            text=web_text(message, kinds=[LinkKind.call]),
            buttons=message.buttons,
        )
        for message in reply.messages
    ]


@router.get("/", summary="Rasa REST channel health check, as Rasa answers it")
async def health() -> HealthStatus:
    return HealthStatus(status="ok")
