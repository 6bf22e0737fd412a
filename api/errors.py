"""Every error leaves as ``{"error": {"code", "message"}}`` with a status that says what happened.

    ApiError (HTTP status, machine code)
    ├── UnsupportedMediaType   415 the body is not JSON
    ├── RateLimited            429 too many messages (api/rate_limits.py), with Retry-After
    └── NotReady               503 the model is still loading

    kapbot's own errors (bot/errors.py)
    ├── ModelError             503 model_unavailable
    └── ConfigError, ContentError   500 configuration_error

A body over the limit is refused (413) before any route reads it (api/body_limit.py);
invalid input is a 422 from validation. Anything unexpected becomes a 500 with no
details; tests make sure no client input can reach that.
"""
from __future__ import annotations

from typing import Any, Dict, Set

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from starlette.routing import Match

from bot.errors import KapbotError, ModelError
from bot.log import logger


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    @property
    def headers(self) -> Dict[str, str]:
        retry_after = getattr(self, "retry_after", None)
        return {"Retry-After": str(retry_after)} if retry_after else {}


class UnsupportedMediaType(ApiError):
    status = 415
    code = "unsupported_media_type"


class NotReady(ApiError):
    status = 503
    code = "not_ready"


def error_body(code: str, message: str) -> Dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def error_response(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers or None)


def _describe(error: Dict[str, Any]) -> str:
    loc = [str(part) for part in error.get("loc", ()) if part != "body"]
    where = ".".join(loc) or "body"
    if error.get("type") in ("value_error.jsondecode", "json_invalid"):
        return "body: not valid JSON"
    if error.get("type") == "type_error.dict" and where == "body":
        return "body: must be a JSON object"
    msg = error.get("msg", "invalid")
    if msg.startswith("string does not match regex"):
        msg = "must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'"
    return f"{where}: {msg}"


def allowed_methods(request: Request) -> str:
    """Every method some route serves at this path. Starlette's own 405 names only the
    methods of the first route whose path matched (GET of a path that also has POST)."""
    methods: Set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:  # PARTIAL: the path matches, the method does not
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


STATUS_CODES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large", 429: "rate_limited"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        messages = "; ".join(dict.fromkeys(_describe(e) for e in exc.errors()))
        return error_response(422, "invalid_input", messages)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, **exc.headers)

    @app.exception_handler(KapbotError)
    async def kapbot_error(request: Request, exc: KapbotError) -> JSONResponse:
        # The message names a file, a field or a model, never a visitor's words.
        logger.error("%s on %s: %s", type(exc).__name__, request.url.path, exc)
        if isinstance(exc, ModelError):
            return error_response(503, "model_unavailable", "the assistant cannot answer now; try again later")
        return error_response(500, "configuration_error", "the clinic's configuration has a problem")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc.__cause__, UnicodeDecodeError):
            # FastAPI's bare 400 for a body it cannot decode; it is invalid JSON like any other.
            return error_response(422, "invalid_input", "body: not valid JSON (JSON text must be UTF-8)")
        code = STATUS_CODES.get(exc.status_code, "http_error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return error_response(exc.status_code, code, str(exc.detail), **headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Log the type and route only: the request may hold a patient's words.
        logger.error("unexpected %s on %s", type(exc).__name__, request.url.path)
        return error_response(500, "internal_error", "something went wrong on our side")
