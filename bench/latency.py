"""Latency of /v1/chat over HTTP next to the same messages in process, and the service's memory.

Run with `make bench`. Prints p50/p95 in milliseconds and the RSS after load.
Traffic goes only to a service this script starts on 127.0.0.1.
"""
from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import List

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.servers import process_rss_mb  # noqa: E402
from bot.engine import Assistant  # noqa: E402
from bot.settings import get_settings  # noqa: E402
from tests.service import Service  # noqa: E402

MESSAGES = [
    "hi",
    "what actually happens in a session?",
    "how long does it last",
    "is it covered by my insurance",
    "what are the side effects",
    "can I drive home after",
    "tell me more",
    "how much does it cost",
    "where are you",
    "thanks!",
]
ROUNDS = 10


def percentiles(samples: List[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    return f"p50 {statistics.median(ordered):6.1f} ms   p95 {p95:6.1f} ms   (n={len(ordered)})"


def bench_http(tmp: Path) -> None:
    # One client sends every request here, so the public rate limits are lifted.
    env = {"KAPBOT_VAR_DIR": str(tmp), "KAPBOT_RATE_LIMIT_PER_CLIENT": "100000/minute",
           "KAPBOT_RATE_LIMIT_PER_CONVERSATION": "100000/minute"}
    with Service(env) as service:
        load_s = service.wait_until("/readyz")
        print(f"service ready after   {load_s:6.1f} s")
        print(f"service RSS after load {process_rss_mb(service.process.pid):6.0f} MB")
        samples = []
        with httpx.Client(base_url=service.url, timeout=30) as client:
            for round_no in range(ROUNDS):
                for message in MESSAGES:
                    started = time.perf_counter()
                    response = client.post("/v1/chat", json={"sender_id": f"bench-{round_no}", "message": message})
                    samples.append((time.perf_counter() - started) * 1000)
                    response.raise_for_status()
        print(f"HTTP /v1/chat         {percentiles(samples)}")
        print(f"service RSS after run  {process_rss_mb(service.process.pid):6.0f} MB")


async def bench_in_process(assistant: Assistant) -> None:
    samples = []
    for round_no in range(ROUNDS):
        for message in MESSAGES:
            started = time.perf_counter()
            await assistant.respond(f"bench-inproc-{round_no}", message)
            samples.append((time.perf_counter() - started) * 1000)
    print(f"in-process respond()  {percentiles(samples)}")


def main() -> None:
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="kapbot-bench-"))
    bench_http(tmp)
    settings = get_settings().copy(update={"var_dir": tmp / "inproc"})
    started = time.perf_counter()
    assistant = Assistant.load(settings)
    print(f"Agent.load in process {time.perf_counter() - started:6.1f} s")
    asyncio.run(bench_in_process(assistant))


if __name__ == "__main__":
    main()
