"""Liveness and readiness."""
from __future__ import annotations

from typing import Dict

from fastapi import APIRouter, Request

from api.errors import NotReady
from api.schemas import ErrorBody

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="200 while the process lives")
async def healthz() -> Dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="200 once the model is loaded, 503 before",
    responses={503: {"model": ErrorBody, "description": "The model is still loading."}},
)
async def readyz(request: Request) -> Dict[str, str]:
    if getattr(request.app.state, "assistant", None) is None:
        raise NotReady("the model is still loading")
    return {"status": "ready"}
