"""The shapes of the public HTTP contract (docs/api.md)."""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, List, Literal, Optional

from pydantic import BaseModel, Field, StrictStr, validator

from bot.content.answers import Button
from bot.engine import BotMessage

MAX_MESSAGE_CHARS = 1000
SENDER_ID = r"^[A-Za-z0-9_-]{1,64}$"
# Bidi overrides/isolates and zero-width characters can disguise text; drop them.
_INVISIBLE_CHARS = r"\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
# What clean_message keeps, as the schema says it: at least one character that is
# neither whitespace, a control character nor invisible. The length is documented on
# what is sent; the server is more lenient, counting only after trimming.
MESSAGE_SCHEMA: Dict[str, Any] = {
    "minLength": 1,
    "maxLength": MAX_MESSAGE_CHARS,
    "pattern": rf"[^\s\x00-\x1f\x7f-\x9f{_INVISIBLE_CHARS}]",
}


def message_field(**kwargs: Any) -> Any:
    """A message's pydantic field, its schema documenting what clean_message enforces."""
    return Field(..., **MESSAGE_SCHEMA, **kwargs)


def clean_message(value: str, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """Normalise a visitor's message; the result is what the assistant reads and stores."""
    value = unicodedata.normalize("NFC", value)
    value = _INVISIBLE.sub("", value)
    # Control characters become spaces so "a\x00b" does not turn into "ab".
    value = "".join(
        " " if unicodedata.category(ch) == "Cc" and ch not in "\n\t" else ch for ch in value
    )
    value = value.strip()
    if not value:
        raise ValueError("must not be empty or blank")
    if len(value) > max_chars:
        raise ValueError(f"must be at most {max_chars} characters")
    return value


def _message_field(value: str) -> str:
    return clean_message(value)


class ChatRequest(BaseModel):
    sender_id: Optional[StrictStr] = Field(
        default=None, regex=SENDER_ID, description="1-64 of A-Za-z0-9_-; omitted: the server makes one."
    )
    message: StrictStr = message_field(description="1 to 1000 characters after trimming.")

    class Config:
        extra = "ignore"
        schema_extra = {"example": {"sender_id": "visitor-3f9a", "message": "How long is a session?"}}

    _clean = validator("message", allow_reuse=True)(_message_field)


class ChatResponse(BaseModel):
    sender_id: str
    topic: Optional[str]
    crisis: bool = Field(..., description="The crisis path fired on this message.")
    flagged: bool = Field(
        default=False, description="This conversation had a crisis; resources stay visible."
    )
    fallback: bool = Field(
        default=False, description="The assistant was unsure and asked which topic was meant: a message of kind "
        "'prompt' carries the topics as buttons (/faq{\"topic\":\"...\"}) and 'Something else'.",
    )
    messages: List[BotMessage]


class RestRequest(BaseModel):
    """Rasa's REST channel request."""

    sender: StrictStr = Field(..., regex=SENDER_ID)
    message: StrictStr = message_field()
    metadata: Optional[Dict[str, Any]] = Field(
        default=None, description="Any JSON object; passed on with the message as Rasa does (tracker.latest_message)."
    )

    _clean = validator("message", allow_reuse=True)(_message_field)

    @validator("metadata", pre=True)
    def _object_only(cls, value: Any) -> Any:
        # pydantic 1 would make a dict of a list of pairs ([] too); Rasa's metadata is an object.
        if value is not None and not isinstance(value, dict):
            raise ValueError("must be a JSON object")
        return value


class RestMessage(BaseModel):
    """One message as Rasa's REST channel answers."""

    recipient_id: str
    text: str
    # Rasa leaves "buttons" out when there are none (the route excludes defaults), never null.
    buttons: List[Button] = []


class HealthStatus(BaseModel):
    """A liveness answer: /healthz, and Rasa's REST channel at GET /webhooks/rest/."""

    status: Literal["ok"]


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail
