"""Staff alerts for crisis conversations: the most durable thing the assistant sends.

An alert names the conversation and the crisis category; the visitor's words
only when the clinic's configuration allows it. Every alert is written to
SQLite before sending. It is then retried with backoff (never more than
``max_delay`` apart) until ``give_up_after`` has passed since it was raised,
24 hours by default, across restarts: a new process resumes every pending
alert. Only then is it marked failed, and failed alerts stay visible in
``kapbot alerts``, ``/readyz`` and the logs (never with message text).
"""
from __future__ import annotations

import asyncio
import datetime
import json
import sqlite3
import time
from enum import Enum
from pathlib import Path
from typing import List, Optional, Set

import httpx
from pydantic import BaseModel, Field
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_delay, wait_exponential

from bot.log import logger

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS alerts (id INTEGER PRIMARY KEY, url TEXT NOT NULL,"
    " payload TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',"
    " attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
    " created_at REAL NOT NULL, next_attempt_at REAL)"
)
# Columns added after the first release; an older alerts.db gets them on open.
LATER_COLUMNS = {"created_at": "REAL", "next_attempt_at": "REAL"}


class AlertStatus(str, Enum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class Alert(BaseModel):
    conversation_id: str
    category: str
    channel: str = "web"
    detected_at: str
    message_text: Optional[str] = None
    opted_out: bool = Field(False, description="The visitor texted STOP: no reply was sent to them.")


class RetryPolicy(BaseModel):
    first_delay: float = Field(1.0, gt=0, description="Seconds before the second try; doubles each time.")
    max_delay: float = Field(300.0, gt=0, description="Never wait longer than this between tries.")
    give_up_after: float = Field(24 * 3600.0, gt=0, description="Seconds after the alert was raised.")
    timeout: float = Field(5.0, gt=0, description="Seconds one try may take.")


class AlertRecord(BaseModel):
    """One alert as ``kapbot alerts`` and ``/readyz`` show it: no message text."""

    id: int
    status: AlertStatus
    attempts: int
    last_error: Optional[str]
    created_at: datetime.datetime
    category: str
    channel: str
    opted_out: bool


class DeliveryFailed(Exception):
    """The alert webhook did not accept the alert (refused, timed out or answered >= 300)."""


class AlertQueue:
    def __init__(self, path: Path, policy: RetryPolicy = RetryPolicy()) -> None:
        self.path = path
        self.policy = policy
        self._tasks: Set[asyncio.Task] = set()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(SCHEMA)
            present = {row[1] for row in db.execute("PRAGMA table_info(alerts)")}
            for column, kind in LATER_COLUMNS.items():
                if column not in present:
                    db.execute(f"ALTER TABLE alerts ADD COLUMN {column} {kind}")
            db.execute("UPDATE alerts SET created_at = ? WHERE created_at IS NULL", (time.time(),))

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def enqueue(self, url: str, alert: Alert) -> int:
        """Store the alert, then send it in the background. Returns its id."""
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO alerts (url, payload, created_at) VALUES (?, ?, ?)", (url, alert.json(), time.time())
            )
            alert_id = int(cursor.lastrowid or 0)
        self._spawn(alert_id)
        return alert_id

    def resume_pending(self) -> int:
        """Go on sending alerts an earlier process left pending. Returns how many."""
        with self._connect() as db:
            ids = [row[0] for row in db.execute("SELECT id FROM alerts WHERE status = 'pending'")]
        for alert_id in ids:
            self._spawn(alert_id)
        failed = len(self.records(AlertStatus.failed))
        if failed:
            logger.error("%s staff alert(s) could not be delivered: see `kapbot alerts --failed`", failed)
        return len(ids)

    def records(self, status: Optional[AlertStatus] = None) -> List[AlertRecord]:
        query = "SELECT id, status, attempts, last_error, created_at, payload FROM alerts"
        with self._connect() as db:
            rows = db.execute(query + (" WHERE status = ?" if status else "") + " ORDER BY id",
                              (status.value,) if status else ()).fetchall()
        records = []
        for alert_id, state, attempts, error, created, payload in rows:
            alert = Alert.parse_raw(payload)
            records.append(AlertRecord(
                id=alert_id, status=state, attempts=attempts, last_error=error,
                created_at=datetime.datetime.fromtimestamp(created, datetime.timezone.utc),
                category=alert.category, channel=alert.channel, opted_out=alert.opted_out,
            ))
        return records

    async def drain(self) -> None:
        """Wait for every alert in flight (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def abandon(self) -> None:
        """Stop sending without marking anything (a process going away): a later one resumes."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _spawn(self, alert_id: int) -> None:
        task = asyncio.get_running_loop().create_task(self._deliver(alert_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, alert_id: int) -> None:
        with self._connect() as db:
            url, payload, attempts, created, next_at = db.execute(
                "SELECT url, payload, attempts, created_at, next_attempt_at FROM alerts WHERE id = ?", (alert_id,)
            ).fetchone()
        if next_at:  # keep the backoff an earlier process chose, but no longer than the cap
            await asyncio.sleep(min(max(0.0, next_at - time.time()), self.policy.max_delay))
        remaining = max(0.0, created + self.policy.give_up_after - time.time())

        def before_sleep(state: RetryCallState) -> None:
            delay = state.next_action.sleep if state.next_action else 0.0
            error = state.outcome.exception() if state.outcome else None
            logger.warning("staff alert %s try %s failed: %s", alert_id, attempts + state.attempt_number, error)
            with self._connect() as db:
                db.execute("UPDATE alerts SET next_attempt_at = ? WHERE id = ?", (time.time() + delay, alert_id))

        retrying = AsyncRetrying(
            stop=stop_after_delay(remaining),
            wait=wait_exponential(multiplier=self.policy.first_delay, max=self.policy.max_delay),
            retry=retry_if_exception_type(DeliveryFailed),
            before_sleep=before_sleep,
            reraise=True,
        )
        tries = attempts
        async with httpx.AsyncClient(timeout=self.policy.timeout) as client:
            try:
                async for trying in retrying:
                    with trying:
                        tries = attempts + trying.retry_state.attempt_number  # counted across restarts
                        error = await self._post(client, url, json.loads(payload))
                        self._record(alert_id, tries, error, AlertStatus.pending if error else AlertStatus.sent)
                        if error:
                            raise DeliveryFailed(error)
            except DeliveryFailed as exc:
                self._record(alert_id, tries, str(exc), AlertStatus.failed)
                logger.error("staff alert %s could not be delivered after %s tries", alert_id, tries)
                return
        logger.info("staff alert %s sent", alert_id)

    @staticmethod
    async def _post(client: httpx.AsyncClient, url: str, payload: dict) -> Optional[str]:
        try:
            response = await client.post(url, json=payload)
        except httpx.HTTPError as exc:
            return type(exc).__name__
        return None if response.status_code < 300 else f"HTTP {response.status_code}"

    def _record(self, alert_id: int, attempts: int, error: Optional[str], status: AlertStatus) -> None:
        with self._connect() as db:
            db.execute(
                "UPDATE alerts SET status = ?, attempts = ?, last_error = ? WHERE id = ?",
                (status.value, attempts, error, alert_id),
            )


def now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
