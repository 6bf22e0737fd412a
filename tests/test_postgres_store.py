"""kapbot's own tables on a real PostgreSQL (KAPBOT_DATABASE_URL), as a clinic group runs them.

The server is Debian's, started on loopback for this module (tests/real_servers.py).
"""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import func, select

from bot.settings import Settings
from bot.staff.alerts import Alert, alert_records, now_iso
from bot.staff.outbox import DeliveryStatus, MessageKind, StaffOutbox
from bot.storage.database import make_engine, open_database
from bot.storage.outbox import RetryPolicy
from bot.storage.tables import outbox as outbox_table
from tests.real_servers import postgres_server

pytestmark = pytest.mark.slow  # needs PostgreSQL installed (scripts/ensure-postgres)

FAST = RetryPolicy(first_delay=0.01, max_delay=0.05, give_up_after=30, timeout=2, stale_claim_after=0.3)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


def test_an_alert_claimed_by_a_dead_process_is_delivered_once_by_two_new_ones(
    postgres_url: str, httpserver, tmp_path: Path, loop
) -> None:
    httpserver.expect_request("/alert", method="POST").respond_with_data("ok")
    settings = Settings(var_dir=tmp_path, database_url=postgres_url)
    dead = StaffOutbox(open_database(settings), FAST)
    alert = Alert(conversation_id="conv-pg", category="self_harm", detected_at=now_iso())
    with dead.engine.begin() as db:
        alert_id = dead.store(db, MessageKind.alert, httpserver.url_for("/alert"), alert.json())
    [row] = [r for r in dead.outbox.rows() if r.id == alert_id]
    assert dead.outbox.claim(row) is not None
    dead.engine.dispose()

    make_engine.cache_clear()
    first = StaffOutbox(open_database(settings), FAST)
    make_engine.cache_clear()
    second = StaffOutbox(open_database(settings), FAST)
    assert first.engine is not second.engine  # two pools, as two processes have

    async def start_both() -> None:
        first.resume_pending()
        second.resume_pending()
        await asyncio.gather(first.drain(), second.drain())

    loop.run_until_complete(start_both())
    assert len(httpserver.log) == 1
    assert json.loads(httpserver.log[0][0].data)["conversation_id"] == "conv-pg"
    [record] = [r for r in alert_records(first) if r.id == alert_id]
    assert (record.status, record.attempts) == (DeliveryStatus.sent, 1)


def test_no_kapbot_table_is_written_to_a_sqlite_file(postgres_url: str, tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, database_url=postgres_url)
    engine = open_database(settings)
    staff = StaffOutbox(engine, FAST)
    with engine.begin() as db:
        staff.store(db, MessageKind.alert, "http://127.0.0.1:9/alert", "{}")
    with engine.connect() as db:
        assert db.execute(select(func.count()).select_from(outbox_table)).scalar() >= 1
    assert engine.dialect.name == "postgresql"
    assert not list(tmp_path.glob("*.db*"))
