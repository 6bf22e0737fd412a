"""Staff alerts for crisis conversations: a durable queue, sent in the background, retried.

An alert names the conversation and the crisis category; the visitor's words
only when the clinic's configuration allows it. Every alert is written to
SQLite before sending, so a failed send or a restart loses nothing: pending
alerts are retried with backoff, and one that keeps failing is marked failed
and logged (without message text).
"""
from __future__ import annotations

import asyncio
import datetime
import json
import sqlite3
from pathlib import Path
from typing import Dict, List, Optional, Set

import httpx
from pydantic import BaseModel

from bot.log import logger

MAX_ATTEMPTS = 5


class Alert(BaseModel):
    conversation_id: str
    category: str
    channel: str = "web"
    detected_at: str
    message_text: Optional[str] = None


class AlertQueue:
    def __init__(self, path: Path, base_delay: float = 1.0, timeout: float = 5.0) -> None:
        self.path = path
        self.base_delay = base_delay
        self.timeout = timeout
        self._tasks: Set[asyncio.Task] = set()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS alerts (id INTEGER PRIMARY KEY, url TEXT NOT NULL,"
                " payload TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',"
                " attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def enqueue(self, url: str, alert: Alert) -> int:
        """Store the alert, then send it in the background. Returns its id."""
        with self._connect() as db:
            alert_id = int(
                db.execute(
                    "INSERT INTO alerts (url, payload) VALUES (?, ?)", (url, alert.json())
                ).lastrowid
            )
        self._spawn(alert_id)
        return alert_id

    def resume_pending(self) -> int:
        """Send alerts left pending by an earlier process. Returns how many."""
        with self._connect() as db:
            ids = [row[0] for row in db.execute("SELECT id FROM alerts WHERE status = 'pending'")]
        for alert_id in ids:
            self._spawn(alert_id)
        return len(ids)

    def status(self) -> List[Dict[str, object]]:
        with self._connect() as db:
            rows = db.execute("SELECT id, status, attempts, last_error FROM alerts ORDER BY id").fetchall()
        return [dict(id=r[0], status=r[1], attempts=r[2], last_error=r[3]) for r in rows]

    async def drain(self) -> None:
        """Wait for every alert in flight (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _spawn(self, alert_id: int) -> None:
        task = asyncio.get_running_loop().create_task(self._deliver(alert_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, alert_id: int) -> None:
        with self._connect() as db:
            url, payload, attempts = db.execute(
                "SELECT url, payload, attempts FROM alerts WHERE id = ?", (alert_id,)
            ).fetchone()
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            while attempts < MAX_ATTEMPTS:
                attempts += 1
                error = await self._post(client, url, json.loads(payload))
                self._record(alert_id, attempts, error)
                if error is None:
                    logger.info("staff alert %s sent", alert_id)
                    return
                logger.warning("staff alert %s attempt %s failed: %s", alert_id, attempts, error)
                if attempts < MAX_ATTEMPTS:
                    await asyncio.sleep(self.base_delay * 2 ** (attempts - 1))
        logger.error("staff alert %s failed after %s attempts", alert_id, attempts)

    @staticmethod
    async def _post(client: httpx.AsyncClient, url: str, payload: dict) -> Optional[str]:
        try:
            response = await client.post(url, json=payload)
        except httpx.HTTPError as exc:
            return type(exc).__name__
        return None if response.status_code < 300 else f"HTTP {response.status_code}"

    def _record(self, alert_id: int, attempts: int, error: Optional[str]) -> None:
        status = "sent" if error is None else ("failed" if attempts >= MAX_ATTEMPTS else "pending")
        with self._connect() as db:
            db.execute(
                "UPDATE alerts SET status = ?, attempts = ?, last_error = ? WHERE id = ?",
                (status, attempts, error, alert_id),
            )


def now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
