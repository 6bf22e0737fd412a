"""Two kapbot processes, one real PostgreSQL and one real Redis: what a clinic group runs.

Each process has its own var dir and shares only KAPBOT_DATABASE_URL (conversations and
every table of kapbot's) and KAPBOT_REDIS_URL (conversation locks, Socket.IO, rate limits).
"""
from __future__ import annotations

import json
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import httpx
import pytest
from sqlalchemy import create_engine, select

from bot.storage.conversations import EVENTS
from tests.real_servers import postgres_server, redis_server
from tests.service import Service

pytestmark = pytest.mark.slow  # the trained model, PostgreSQL and Redis (scripts/ensure-*)

Pair = Tuple[Service, Service]


@pytest.fixture(scope="module")
def servers() -> Iterator[Tuple[str, str]]:
    with postgres_server() as database_url, redis_server() as redis_url:
        yield database_url, redis_url


@pytest.fixture(scope="module")
def pair(servers: Tuple[str, str], model_path: Path, tmp_path_factory) -> Iterator[Pair]:
    database_url, redis_url = servers
    services = []
    for name in ("a", "b"):
        env = {
            "KAPBOT_VAR_DIR": str(tmp_path_factory.mktemp(f"var-{name}")),
            "KAPBOT_DATABASE_URL": database_url,
            "KAPBOT_REDIS_URL": redis_url,
            # The load below comes from one test client address.
            "KAPBOT_RATE_LIMIT_PER_CLIENT": "10000/minute",
            "KAPBOT_RATE_LIMIT_PER_CONVERSATION": "10000/minute",
        }
        services.append(Service(env).start())  # both load the model at once, as after a deploy
    try:
        for service in services:
            service.wait_until("/readyz")
        yield services[0], services[1]
    finally:
        for service in services:
            service.stop()


def chat(service: Service, sender: str, message: str) -> Dict:
    response = httpx.post(service.url + "/v1/chat", json={"sender_id": sender, "message": message}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def stored_user_texts(database_url: str, sender: str) -> List[str]:
    engine = create_engine(database_url, future=True)
    try:
        with engine.connect() as db:
            rows = db.execute(
                select(EVENTS.c.data).where(EVENTS.c.sender_id == sender, EVENTS.c.type_name == "user")
                .order_by(EVENTS.c.id)
            ).all()
    finally:
        engine.dispose()
    return [json.loads(row.data)["text"] for row in rows]


def test_one_conversation_alternates_between_processes_and_keeps_its_context(pair: Pair) -> None:
    a, b = pair
    first = chat(a, "visitor-alternating", "how long is a session?")
    assert first["topic"] == "during.session_length"
    more = chat(b, "visitor-alternating", "tell me more")  # only the stored conversation knows which topic
    assert more["topic"] == "during.session_length"
    cost = chat(b, "visitor-alternating", "how much does it cost?")
    assert chat(a, "visitor-alternating", "tell me more")["topic"] == cost["topic"]


def test_concurrent_messages_of_one_conversation_are_each_answered_and_stored_once(
    pair: Pair, servers: Tuple[str, str]
) -> None:
    a, b = pair
    messages = [f"how long does a session last, question {n}?" for n in range(8)]
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda i: chat((a, b)[i % 2], "visitor-concurrent", messages[i]), range(8)))
    assert all(reply["messages"] for reply in replies)
    stored = stored_user_texts(servers[0], "visitor-concurrent")
    assert sorted(stored) == sorted(messages)  # one stored turn each: none lost, none twice


def test_kill_9_under_load_loses_no_acknowledged_turn_and_the_other_keeps_answering(
    pair: Pair, servers: Tuple[str, str]
) -> None:
    a, b = pair
    def send(i: int) -> Optional[Tuple[str, str]]:
        service, sender, text = (a, b)[i % 2], f"visitor-load-{i}", f"what should I eat before a session ({i})?"
        try:
            response = httpx.post(service.url + "/v1/chat", json={"sender_id": sender, "message": text}, timeout=60)
        except httpx.HTTPError:
            return None  # the killed process: never acknowledged
        return (sender, text) if response.status_code == 200 else None

    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(send, i) for i in range(40)]
        for future in futures[:6]:  # some turns through both are done before the kill
            future.result()
        assert a.process is not None
        a.process.send_signal(signal.SIGKILL)
        results = [future.result() for future in futures]
    acknowledged = [r for r in results if r]
    assert len(acknowledged) >= 20  # b answered its half throughout
    for sender, text in acknowledged:
        assert stored_user_texts(servers[0], sender) == [text], sender
    assert chat(b, "visitor-after-the-kill", "how long is a session?")["topic"] == "during.session_length"


def test_no_conversation_data_lands_in_a_sqlite_file(pair: Pair) -> None:
    for service in pair:
        var_dir = Path(service.env["KAPBOT_VAR_DIR"])
        assert not [p.name for p in var_dir.rglob("*") if p.suffix in (".db", ".sqlite", ".sqlite3")]
