"""Several kapbot processes sharing one Redis (KAPBOT_REDIS_URL): Rasa's conversation
locks, Socket.IO rooms and the rate-limit counters are then one for all of them.

Two objects (or two served apps) stand for two processes: they share nothing but the
Redis server, a real one started on loopback for this module (tests/real_servers.py).
Each case has its counterpart without the URL, where the two keep apart, as one process
alone always did. No model: a stand-in assistant answers.
"""
from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List

import pytest
import redis
import socketio
from fastapi.testclient import TestClient
from limits.storage import MemoryStorage
from pydantic import SecretStr, ValidationError
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore

from api.channels.socket_io import create_socket_server
from api.main import create_app, create_asgi_app
from api.rate_limits import RateLimited, RateLimits
from bot.content.knowledge import Knowledge
from bot.settings import Settings
from bot.storage.locks import lock_store
from bot.storage.redis_url import TIMEOUT_SECONDS, parse_redis_url
from tests.channels.fake_assistant import SESSION_LENGTH, SESSION_TEXT, FakeAssistant
from tests.no_model import EchoAssistant
from tests.real_servers import redis_server
from tests.service import free_port, serving
from tests.socket_client import RasaSocketClient


@pytest.fixture(scope="module")
def redis_server_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture
def redis_url(redis_server_url: str) -> str:
    """The module's Redis, emptied: every test starts with no counters and no locks."""
    redis.Redis.from_url(redis_server_url).flushdb()
    return redis_server_url


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# Settings


def test_a_bad_redis_url_is_a_clear_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for bad in ("http://cache.internal:6379", "cache.internal:6379", "redis://:hunter2@/0",
                "redis://cache.internal:99999", "redis://cache.internal/sessions"):
        monkeypatch.setenv("KAPBOT_REDIS_URL", bad)
        with pytest.raises(ValidationError) as refused:
            Settings()
        message = str(refused.value)
        assert "redis_url" in message and "redis://" in message, message
        assert "hunter2" not in message  # the URL may hold a password: never repeated


def test_a_redis_url_names_every_part_the_stores_need(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAPBOT_REDIS_URL", "rediss://kapbot:p%40ss@cache.internal:6380/2")
    address = parse_redis_url(Settings().redis or "")
    assert (address.host, address.port, address.db, address.username, address.password, address.ssl) == (
        "cache.internal", 6380, 2, "kapbot", "p@ss", True
    )
    assert "p@ss" not in repr(address) and "p%40ss" not in repr(Settings())
    monkeypatch.setenv("KAPBOT_REDIS_URL", "")  # empty is unset: one process, in memory
    assert Settings().redis_url is None


# Rate limits


def test_two_processes_share_one_conversation_count_in_redis(redis_url: str) -> None:
    settings = Settings(redis_url=redis_url, rate_limit_per_conversation="3/minute")
    first, second = RateLimits(settings), RateLimits(settings)
    conversation = unique("limited")
    first.hit_conversation(conversation)
    second.hit_conversation(conversation)
    first.hit_conversation(conversation)
    with pytest.raises(RateLimited) as refused:
        second.hit_conversation(conversation)  # the 4th message, though only this process's 2nd
    assert 1 <= refused.value.retry_after <= 60
    first.hit_conversation(unique("other"))  # another conversation has its own count


def test_without_redis_each_process_counts_its_own() -> None:
    settings = Settings(rate_limit_per_conversation="3/minute")
    assert settings.redis_url is None
    first, second = RateLimits(settings), RateLimits(settings)
    assert isinstance(first.storage, MemoryStorage)
    conversation = unique("limited")
    for _ in range(3):
        first.hit_conversation(conversation)
        second.hit_conversation(conversation)
    with pytest.raises(RateLimited):
        first.hit_conversation(conversation)


def test_two_served_apps_refuse_a_client_over_the_limit_together(redis_url: str, tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, redis_url=redis_url, rate_limit_per_client="5/minute")
    statuses: List[int] = []
    with TestClient(create_app(settings, assistant=EchoAssistant(Knowledge.from_settings(settings)))) as first, \
            TestClient(create_app(settings, assistant=EchoAssistant(Knowledge.from_settings(settings)))) as second:
        for n in range(6):  # one client address, its requests spread over both processes
            client = first if n % 2 == 0 else second
            statuses.append(client.post("/v1/chat", json={"sender_id": f"conv-{n}", "message": "hi"}).status_code)
    assert statuses == [200] * 5 + [429]


def test_a_process_whose_redis_does_not_answer_is_not_ready(redis_url: str, tmp_path: Path) -> None:
    with socket.socket() as silent:  # takes connections, never answers: a Redis that hangs
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        hanging = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        refusing = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
        for url, status in ((redis_url, 200), (refusing, 503), (hanging, 503)):
            settings = Settings(var_dir=tmp_path, redis_url=url)
            app = create_app(settings, assistant=EchoAssistant(Knowledge.from_settings(settings)))
            with TestClient(app, raise_server_exceptions=False) as client:
                started = time.monotonic()
                response = client.get("/readyz")
                assert response.status_code == status, response.text
                # A message fails within the timeout rather than freezing the process.
                chat = client.post("/v1/chat", json={"sender_id": unique("down"), "message": "hi"})
                assert (chat.status_code == 200) == (status == 200)
                assert time.monotonic() - started < 3 * TIMEOUT_SECONDS + 2
    assert "Redis" in response.json()["error"]["message"]


# Rasa's lock store


async def _enter(store: LockStore, conversation: str, entered: asyncio.Event) -> None:
    async with store.lock(conversation, wait_time_in_seconds=0.05):
        entered.set()


def test_a_conversation_locked_by_one_process_waits_in_another(redis_url: str) -> None:
    settings = Settings(redis_url=redis_url)
    first, second = lock_store(settings), lock_store(settings)
    assert isinstance(first, RedisLockStore) and isinstance(second, RedisLockStore)
    conversation, other = unique("locked"), unique("free")

    async def scenario() -> None:
        async with first.lock(conversation, wait_time_in_seconds=0.05):
            assert redis.Redis.from_url(redis_url).exists(f"kapbot:lock:{conversation}")
            waiting, free = asyncio.Event(), asyncio.Event()
            blocked = asyncio.create_task(_enter(second, conversation, waiting))
            await asyncio.wait_for(_enter(second, other, free), 5)  # another conversation goes on
            await asyncio.sleep(0.5)
            assert not waiting.is_set(), "the second process entered a conversation the first holds"
        await asyncio.wait_for(blocked, 5)  # released: the second goes on
        assert waiting.is_set()

    asyncio.run(scenario())
    assert not redis.Redis.from_url(redis_url).keys("kapbot:lock:*")  # nothing left behind


def test_messages_arriving_at_many_processes_at_once_are_handled_one_at_a_time(redis_url: str) -> None:
    """Eight threads, each with its own event loop and lock store, stand for eight processes
    taking one conversation's lock at the same moment (Rasa's own RedisLockStore lets
    several in at once: bot/storage/locks.py)."""
    stores = [lock_store(Settings(redis_url=redis_url)) for _ in range(8)]
    start, guard = threading.Barrier(len(stores)), threading.Lock()
    inside, most_inside, handled = [0], [0], []

    async def handle(store: LockStore, conversation: str) -> None:
        async with store.lock(conversation, wait_time_in_seconds=0.01):
            with guard:
                inside[0] += 1
                most_inside[0] = max(most_inside[0], inside[0])
            await asyncio.sleep(0.02)  # the answer
            with guard:
                inside[0] -= 1
                handled.append(conversation)

    def process(store: LockStore, conversation: str) -> None:
        start.wait()
        asyncio.run(handle(store, conversation))

    for round_ in range(5):
        conversation = unique(f"burst{round_}")
        threads = [threading.Thread(target=process, args=(store, conversation)) for store in stores]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert handled.count(conversation) == len(stores), "a message was not handled"
    assert most_inside[0] == 1, f"{most_inside[0]} messages of one conversation were handled at once"
    assert not redis.Redis.from_url(redis_url).keys("kapbot:lock:*")


def test_without_redis_each_process_locks_only_its_own_conversations() -> None:
    first, second = lock_store(Settings()), lock_store(Settings())
    assert isinstance(first, InMemoryLockStore)

    async def scenario() -> None:
        conversation = unique("locked")
        async with first.lock(conversation, wait_time_in_seconds=0.05):
            entered = asyncio.Event()
            await asyncio.wait_for(_enter(second, conversation, entered), 5)

    asyncio.run(scenario())


# Socket.IO


def _channel_subscribers(redis_url: str) -> int:
    channel = f"kapbot:{parse_redis_url(redis_url).db}:socketio"
    [(_, count)] = redis.Redis.from_url(redis_url).pubsub_numsub(channel)
    return int(count)


@contextmanager
def _two_served_apps(settings: Settings) -> Iterator[List[str]]:
    """Each app is told its own port: the demo page's origin, which the clients send, is allowed."""
    fake = FakeAssistant(Knowledge.from_settings(settings))
    ports = free_port(), free_port()
    with serving(create_asgi_app(settings.copy(update={"port": ports[0]}), assistant=fake), ports[0]) as one, \
            serving(create_asgi_app(settings.copy(update={"port": ports[1]}), assistant=fake), ports[1]) as two:
        yield [one, two]


def _one_session_on_both(urls: List[str]) -> List[RasaSocketClient]:
    """One visitor's session open in two tabs, each tab's socket on another process."""
    session_id = unique("tabs")
    return [RasaSocketClient(url).start(session_id) for url in urls]


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_a_reply_in_one_process_reaches_the_sessions_socket_on_another(redis_url: str, tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, redis_url=redis_url)
    with _two_served_apps(settings) as urls:
        here, there = _one_session_on_both(urls)
        # Each process listens on the channel from its first connection on.
        assert _wait(lambda: _channel_subscribers(redis_url) == 2, 10), "a process did not subscribe"
        here.say(SESSION_LENGTH)
        assert _wait(lambda: len(there.received) == 1, 10), "the other process's socket got no reply"
        assert there.received[0]["text"] == SESSION_TEXT == here.received[0]["text"]
        for client in (here, there):
            client.sio.disconnect()


def test_without_redis_a_reply_stays_in_its_process(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path)
    fake = FakeAssistant(Knowledge.from_settings(settings))
    sio = create_socket_server(create_app(settings, assistant=fake), settings, RateLimits(settings))
    assert type(sio.manager) is socketio.AsyncManager  # python-socketio's own, in memory
    with _two_served_apps(settings) as urls:
        here, there = _one_session_on_both(urls)
        here.say(SESSION_LENGTH)
        assert not _wait(lambda: bool(there.received), 1.5)
        for client in (here, there):
            client.sio.disconnect()


def test_several_workers_without_redis_are_refused_with_the_reason(monkeypatch) -> None:
    from typer.testing import CliRunner

    from bot.cli import app as cli

    monkeypatch.delenv("KAPBOT_REDIS_URL", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--workers", "2", "--port", "1"])
    assert result.exit_code == 2 and "KAPBOT_REDIS_URL" in result.output


def test_a_crisis_message_is_answered_while_redis_is_away(assistant, settings: Settings, loop) -> None:
    """Every other message fails while the locks are unreachable; a crisis reply never waits on them."""
    from bot.storage.locks import LOCK_FAILURES

    away = settings.copy(update={"redis_url": SecretStr(f"redis://127.0.0.1:{free_port()}/0")})  # nothing listens
    kept = assistant.agent.lock_store
    assistant.agent.lock_store = lock_store(away)
    try:
        reply = loop.run_until_complete(assistant.respond("visitor-redis-away", "I want to kill myself tonight"))
        assert reply.crisis and reply.messages[0].links  # the resources, with their tap targets
        with pytest.raises(LOCK_FAILURES):
            loop.run_until_complete(assistant.respond("visitor-redis-away-2", "how long is a session?"))
    finally:
        assistant.agent.lock_store = kept
