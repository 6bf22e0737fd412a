"""Dependencies shared by the routers, as named aliases."""
from __future__ import annotations

from typing import Optional

from fastapi import Depends, Request
from typing_extensions import Annotated

from api.errors import NotReady, UnsupportedMediaType
from api.rate_limits import RateLimits
from bot.engine import Assistant


def get_assistant(request: Request) -> Assistant:
    assistant = getattr(request.app.state, "assistant", None)
    if assistant is None:
        raise NotReady("the assistant is starting; try again shortly")
    return assistant


def require_json(request: Request) -> None:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType("send the body as JSON with 'Content-Type: application/json'")


def get_rate_limits(request: Request) -> Optional[RateLimits]:
    return getattr(request.app.state, "rate_limits", None)


AssistantDep = Annotated[Assistant, Depends(get_assistant)]
RateLimitsDep = Annotated[Optional[RateLimits], Depends(get_rate_limits)]
JsonBody = Depends(require_json)
