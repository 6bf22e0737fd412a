"""The loads bench/compare.py sends to a running server, and their figures."""
from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from dataclasses import dataclass
from itertools import cycle
from typing import Callable, Dict, List

import httpx

# Ordinary patients' questions, never a crisis message: the crisis path skips the model.
QUESTIONS = [
    "how long does a session last",
    "what does it cost",
    "is it covered by my insurance",
    "what happens during a session",
    "can I drive home after",
    "what are the side effects",
    "how many sessions will I need",
    "do I need someone to take me home",
    "can I eat before the session",
    "what should I bring",
]
WARM_UP = 3  # first messages pay for TensorFlow's first predictions; not counted
SEQUENTIAL = 60
CONCURRENT = 150
CONCURRENCY = 20
TURNS = 200
EDGE = 10  # turns 1-10 against turns 191-200


Body = Callable[[str, str], Dict[str, str]]


@dataclass
class Figures:
    p50_ms: float
    p95_ms: float
    throughput_rps: float
    turn_first_ms: float  # median of turns 1-10 of one conversation
    turn_last_ms: float  # median of turns 191-200 of the same conversation


def p95(samples: List[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def fresh_sender() -> str:
    return "bench-" + uuid.uuid4().hex[:16]


async def _send(client: httpx.AsyncClient, path: str, body: Body, sender: str, message: str) -> float:
    started = time.perf_counter()
    response = await client.post(path, json=body(sender, message))
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed


async def sequential(client: httpx.AsyncClient, path: str, body: Body) -> List[float]:
    """One message at a time, each in a new conversation; milliseconds per message."""
    questions = cycle(QUESTIONS)
    return [await _send(client, path, body, fresh_sender(), next(questions)) for _ in range(SEQUENTIAL)]


async def concurrent(client: httpx.AsyncClient, path: str, body: Body) -> float:
    """CONCURRENCY clients share CONCURRENT messages, each in a new conversation; messages per second."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for _, question in zip(range(CONCURRENT), cycle(QUESTIONS)):
        queue.put_nowait(question)

    async def worker() -> None:
        while not queue.empty():
            await _send(client, path, body, fresh_sender(), queue.get_nowait())

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return CONCURRENT / (time.perf_counter() - started)


async def one_long_conversation(client: httpx.AsyncClient, path: str, body: Body) -> List[float]:
    """TURNS messages from one sender; milliseconds per turn, in order."""
    sender, questions = fresh_sender(), cycle(QUESTIONS)
    return [await _send(client, path, body, sender, next(questions)) for _ in range(TURNS)]


async def measure(base_url: str, path: str, body: Body) -> Figures:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as client:
        for question in QUESTIONS[:WARM_UP]:
            await _send(client, path, body, fresh_sender(), question)
        latencies = await sequential(client, path, body)
        throughput = await concurrent(client, path, body)
        turns = await one_long_conversation(client, path, body)
    return Figures(
        p50_ms=statistics.median(latencies),
        p95_ms=p95(latencies),
        throughput_rps=throughput,
        turn_first_ms=statistics.median(turns[:EDGE]),
        turn_last_ms=statistics.median(turns[-EDGE:]),
    )
