"""Prometheus metrics at /metrics: load, latency and what the assistant did, never what was said.

One registry per app (not prometheus_client's global one), so two apps in one process (tests,
or kapbot beside another service) do not count into each other. Labels are closed sets:
route templates, channels, outcomes and crisis categories; never a sender id or a message.
"""
from __future__ import annotations

import secrets
import time
from typing import Callable, Iterable, Optional, Tuple

from fastapi import APIRouter, HTTPException, Request, Response, status
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.engine import Reply
from bot.storage.outbox import OutboxState
from bot.storage.tables import outbox

UNMATCHED_ROUTE = "unmatched"
# Per-message latency sits between ~10 ms and a few seconds under load.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def outbox_counts(engine: Engine) -> Callable[[], Iterable[Tuple[str, str, int]]]:
    """Rows waiting (pending, sending) or given up (failed), by kind, read at scrape time."""
    waiting = [OutboxState.pending.value, OutboxState.sending.value, OutboxState.failed.value]

    def counts() -> Iterable[Tuple[str, str, int]]:
        query = (select(outbox.c.kind, outbox.c.state, func.count())
                 .where(outbox.c.state.in_(waiting)).group_by(outbox.c.kind, outbox.c.state))
        with engine.connect() as db:
            return [(str(kind), str(state), int(count)) for kind, state, count in db.execute(query)]

    return counts


class DeliveryCounts(Collector):
    """Alerts and outgoing messages waiting or given up, read from the outbox at scrape time."""

    def __init__(self, counts: Callable[[], Iterable[Tuple[str, str, int]]]) -> None:
        self._counts = counts

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "kapbot_outbox_messages", "Outbox rows by kind and state (pending, failed)", labels=["kind", "state"]
        )
        for kind, state, count in self._counts():
            family.add_metric([kind, state], count)
        yield family


class Metrics:
    """Every metric kapbot exports, on one registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "kapbot_http_requests", "HTTP requests by method, route and status",
            ["method", "route", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "kapbot_http_request_duration_seconds", "HTTP request latency by method and route",
            ["method", "route"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.messages = Counter(
            "kapbot_messages", "Patient messages answered, by channel", ["channel"], registry=self.registry
        )
        self.outcomes = Counter(
            "kapbot_replies", "Replies by outcome (answer, clarification, offer, fallback, out_of_scope, crisis)",
            ["outcome"], registry=self.registry,
        )
        self.crises = Counter(
            "kapbot_crisis_detections", "Crisis paths taken, by category", ["category"], registry=self.registry
        )
        self.model_load = Gauge(
            "kapbot_model_load_seconds", "How long loading the model took at start", registry=self.registry
        )

    def watch_outbox(self, counts: Callable[[], Iterable[Tuple[str, str, int]]]) -> None:
        self.registry.register(DeliveryCounts(counts))

    def observe_reply(self, channel: str, reply: Reply) -> None:
        self.messages.labels(channel=channel).inc()
        self.outcomes.labels(outcome=reply.outcome.value).inc()
        if reply.crisis_category is not None:
            self.crises.labels(category=reply.crisis_category).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every HTTP request by its route template (``/v1/chat``, not the URL)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status_code = 500

        async def send_and_note_status(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            # FastAPI puts the matched route in the scope; anything else is one label, so a
            # scan of random URLs cannot grow the label set.
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED_ROUTE
            method = scope.get("method", "")
            self.metrics.requests.labels(method=method, route=template, status=str(status_code)).inc()
            self.metrics.latency.labels(method=method, route=template).observe(time.perf_counter() - started)


def metrics_router(metrics: Metrics, token: Optional[str]) -> APIRouter:
    """GET /metrics; with ``token`` set, only for ``Authorization: Bearer <token>``."""
    router = APIRouter(tags=["operations"])

    # Not in /openapi.json: it is for the clinic's Prometheus, not for API clients.
    @router.get(
        "/metrics",
        include_in_schema=False,
        response_class=Response,
    )
    async def read_metrics(request: Request) -> Response:
        if token is not None:
            given = request.headers.get("authorization", "")
            if not secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
                raise HTTPException(
                    status.HTTP_401_UNAUTHORIZED, "metrics need the configured bearer token",
                    headers={"WWW-Authenticate": "Bearer"},
                )
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return router
