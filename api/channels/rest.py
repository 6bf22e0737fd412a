"""POST /webhooks/rest/webhook: Rasa's REST channel, for existing Rasa clients.

No verify or send step: the client is anonymous and reads the reply from the response."""
from __future__ import annotations

from typing import List

from fastapi import APIRouter

from api.channels.web import rest_messages
from api.deps import AssistantDep, JsonBody, RateLimitsDep
from api.rate_limits import conversation_limit
from api.routes.chat import ERRORS
from api.schemas import HealthStatus, RestMessage, RestRequest

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
    return rest_messages(reply)


@router.get("/", summary="Rasa REST channel health check, as Rasa answers it")
async def health() -> HealthStatus:
    return HealthStatus(status="ok")
