"""POST /v1/chat: the project's own chat API."""
from __future__ import annotations

import secrets

from fastapi import APIRouter

from api.channels.web import chat_response
from api.deps import AssistantDep, JsonBody, RateLimitsDep
from api.openapi import error_responses
from api.rate_limits import conversation_limit
from api.schemas import ChatRequest, ChatResponse

# What a message route returns besides 200, for the chat API and Rasa's REST channel alike.
ERRORS = error_responses(413, 415, 422, 429, 503)

router = APIRouter(prefix="/v1", tags=["chat"], dependencies=[JsonBody], responses=ERRORS)


def new_sender_id() -> str:
    return "visitor-" + secrets.token_hex(8)


@router.post("/chat", response_model=ChatResponse, summary="Send a visitor's message")
async def chat(body: ChatRequest, assistant: AssistantDep, limits: RateLimitsDep) -> ChatResponse:
    sender_id = body.sender_id or new_sender_id()
    conversation_limit(limits, sender_id)
    reply = await assistant.respond(sender_id, body.message)
    return chat_response(reply)
