"""The FastAPI application: it only assembles routers, middleware and the model's lifespan."""
from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from typing import AsyncIterator, Optional

import socketio
from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from api.body_limit import BodyLimitMiddleware
from api.channels import include_channels, rest
from api.channels.socket_io import create_socket_server
from api.errors import install_error_handlers
from api.metrics import Metrics, MetricsMiddleware, metrics_router, outbox_counts
from api.openapi import install_openapi
from api.rate_limits import ClientRateLimitMiddleware, RateLimits
from api.routes import chat, health, widget
from api.security import SecurityHeadersMiddleware
from api.staff import install_staff_inbox
from bot.content.knowledge import Knowledge
from bot.engine import Assistant
from bot.log import configure_logging, logger
from bot.settings import Settings, get_settings
from bot.storage.database import open_database
from bot.storage.retention import purge_expired

PURGE_EVERY_SECONDS = 3600.0


def create_app(settings: Optional[Settings] = None, assistant: Optional[Assistant] = None) -> FastAPI:
    """Build the app from ``settings`` (default: the environment's). With ``assistant``
    given (tests), no model is loaded here and its knowledge is the app's."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    # Read now, so broken content stops the start and not the first question.
    knowledge = assistant.knowledge if assistant else Knowledge.from_settings(settings)

    metrics = Metrics()
    metrics.watch_outbox(outbox_counts(open_database(settings)))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.assistant = assistant
        if assistant is not None:  # tests hand one assistant to many apps: each counts its own
            assistant.observers.append(metrics.observe_reply)
        loading = None
        if assistant is None:
            # Load in the background so /healthz answers while the model loads.
            loading = asyncio.create_task(_load(app, settings, knowledge))
        purging = asyncio.create_task(_purge_every(PURGE_EVERY_SECONDS, settings, knowledge))
        yield
        purging.cancel()
        if loading is not None and not loading.done():
            loading.cancel()
        if assistant is not None:
            assistant.observers.remove(metrics.observe_reply)

    app = FastAPI(
        title="kapbot",
        version="0.1.0",
        description="A patient-education assistant for clinics offering ketamine-assisted psychotherapy.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.state.settings = settings
    app.state.knowledge = knowledge
    app.state.metrics = metrics
    app.state.rate_limits = RateLimits(settings)
    app.include_router(widget.router)
    app.include_router(health.router)
    app.include_router(chat.router)
    app.include_router(rest.router)
    include_channels(app, settings, knowledge)
    # The staff inbox at /staff; every /staff path is a 404 until a staff user exists.
    install_staff_inbox(app, settings)
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    app.include_router(metrics_router(metrics, token))
    install_openapi(app)
    # Added last = runs first: refuse oversize bodies, count requests, then CORS.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type"],
        max_age=600,
    )
    app.add_middleware(ClientRateLimitMiddleware, limits=app.state.rate_limits)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=metrics)  # outermost: times every answer, 4xx included
    return app


def create_asgi_app(settings: Optional[Settings] = None, assistant: Optional[Assistant] = None) -> ASGIApp:
    """What ``kapbot serve`` runs: the API with Socket.IO at /socket.io beside it
    (``assistant``: as for ``create_app``)."""
    settings = settings or get_settings()
    app = create_app(settings, assistant=assistant)
    sio = create_socket_server(app, settings, app.state.rate_limits)
    return socketio.ASGIApp(sio, other_asgi_app=app, socketio_path="socket.io")


async def _purge_every(seconds: float, settings: Settings, knowledge: Knowledge) -> None:
    """Keep clinic.yml's promise: what is older than data_retention.days is deleted."""
    while True:
        try:
            deleted = await asyncio.to_thread(
                purge_expired, open_database(settings), knowledge.clinic.retention_days
            )
            for what, count in deleted.items():
                if count:
                    logger.info("retention: deleted %d %s", count, what)
        except Exception:  # a failed purge must not stop the service; it is retried next time
            logger.exception("retention: the purge failed")
        await asyncio.sleep(seconds)


async def _load(app: FastAPI, settings: Settings, knowledge: Knowledge) -> None:
    try:
        started = time.perf_counter()
        assistant = await asyncio.to_thread(Assistant.load, settings, None, knowledge)
        app.state.metrics.model_load.set(time.perf_counter() - started)
        assistant.observers.append(app.state.metrics.observe_reply)
        # Alerts and requests an earlier process could not deliver are retried now.
        assistant.outbox.resume_pending()
        app.state.assistant = assistant
        logger.info("ready")
    except Exception:
        logger.exception("the model could not be loaded")
        raise
