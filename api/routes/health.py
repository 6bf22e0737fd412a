"""Liveness and readiness."""
from __future__ import annotations

import asyncio
from typing import Dict

from fastapi import APIRouter, Request

from api.errors import NotReady
from api.openapi import error_responses
from api.schemas import HealthStatus
from bot.staff.outbox import DeliveryStatus, MessageKind

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="200 while the process lives")
async def healthz() -> HealthStatus:
    return HealthStatus(status="ok")


@router.get(
    "/readyz",
    summary="200 once the model is loaded, 503 before (or while KAPBOT_REDIS_URL's Redis does not answer); "
    "lists staff alerts and requests that could not be delivered",
    responses=error_responses(503),
)
async def readyz(request: Request) -> Dict[str, object]:
    assistant = getattr(request.app.state, "assistant", None)
    if assistant is None:
        raise NotReady("the model is still loading")
    # With KAPBOT_REDIS_URL, every message needs Redis (conversation locks, rate limits).
    if not await asyncio.to_thread(request.app.state.rate_limits.reachable):
        raise NotReady("Redis (KAPBOT_REDIS_URL) does not answer")
    # Still ready (patients are answered), but staff must see what never arrived.
    failed = assistant.outbox.messages(status=DeliveryStatus.failed)
    return {
        "status": "ready",
        "undelivered_alerts": [m.id for m in failed if m.kind is MessageKind.alert],
        "undelivered_requests": sorted({m.ref for m in failed if m.kind is MessageKind.consultation}),
    }
