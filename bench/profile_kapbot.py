"""Where kapbot's event loop spends its time under the concurrent load of bench/compare.py.

Needs py-spy (``.venv/bin/pip install py-spy``). Starts ``kapbot serve``, samples it
with ``py-spy record`` while CONCURRENCY clients send messages, and prints the share
of the event-loop thread's samples spent under each suspect, then the top functions.
The collapsed stacks are kept (speedscope.app opens them) for a closer look.
"""
from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import load, servers  # noqa: E402
from bench.compare import latest_model, pinned_model  # noqa: E402

ROUNDS = 2  # of load.CONCURRENT messages: enough samples for a few percent to mean something

# Suspects, each recognised by a substring of a frame ("function (module/file.py)"),
# or, after "leaf:", by the innermost frame alone.
SUSPECTS: Dict[str, List[str]] = {
    "idle (uvloop waiting for I/O)": ["leaf:asyncio_run (uvicorn/_compat.py)", "leaf:select (selectors.py)"],
    "kapbot respond() (everything for a message)": ["respond (bot/engine.py)"],
    "  NLU parse (the whole pipeline, dask graph)": ["parse_message (rasa/core/processor.py)"],
    "    sentence featurizer (MiniLM in NumPy)": ["bot/nlu/sentence_featurizer.py"],
    "    TensorFlow (DIET, ResponseSelector)": ["_parse_message_with_graph (rasa/core/processor.py);*tensorflow/"],
    "    spaCy": ["spacy/"],
    "  prediction loop (policies + actions)": ["_run_prediction_loop (rasa/core/processor.py)"],
    "    policy prediction": ["_predict_next_with_tracker (rasa/core/processor.py)"],
    "    custom action via RemoteAction (all)": ["run (rasa/core/actions/action.py)"],
    "      action result JSON-schema validation": ["_validate_action_result (rasa/core/actions/action.py)"],
    "        of which check_schema (the constant schema)": ["check_schema (jsonschema/validators.py)"],
    "      rasa-sdk executor (the actions themselves)": ["run (rasa_sdk/executor.py)"],
    "  tracker load, Rasa's (fetch_tracker_and_update_session)": ["fetch_tracker_and_update_session"],
    "  tracker load, kapbot's second (engine get_tracker)": [
        "respond (bot/engine.py);get_tracker (rasa/core/processor.py)"
    ],
    "  tracker save (SQL, incl. commit)": ["save (rasa/core/tracker_store.py)"],
    "    SQLite commit": ["do_commit (sqlalchemy/engine/default.py)"],
    "  Python logging (Rasa's debug messages etc.)": ["logging/__init__.py"],
    "  kapbot crisis rules": ["bot/safety/"],
    "  kapbot curation log (SQLite)": ["bot/curation/log.py"],
    "  answer templates (jinja2)": ["jinja2/"],
    "FastAPI/pydantic outside the endpoint": ["fastapi/routing.py;!run_endpoint_function"],
}


def matches(stack: str, mark: str) -> bool:
    """``leaf:f`` - f is the innermost frame; ``a;*b`` - b below a; ``a;!b`` - a without b; else a substring."""
    if mark.startswith("leaf:"):
        return stack.rsplit(";", 1)[-1] == mark[5:]
    if ";*" in mark:
        outer, inner = mark.split(";*")
        return outer in stack and inner in stack.split(outer, 1)[1]
    if ";!" in mark:
        present, absent = mark.split(";!")
        return present in stack and absent not in stack
    return mark in stack


def parse_collapsed(path: Path) -> Dict[str, Counter]:
    """py-spy's raw output (``stack;frames count``) as {thread: Counter(stack -> samples)}."""
    threads: Dict[str, Counter] = {}
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        thread, _, rest = stack.partition(";")
        threads.setdefault(thread, Counter())[rest] += int(count)
    return threads


def event_loop_thread(threads: Dict[str, Counter]) -> str:
    """The thread whose stacks run the endpoint (uvicorn serves on the main thread, under uvloop)."""
    def loop_samples(name: str) -> int:
        return sum(n for stack, n in threads[name].items() if "run_asgi" in stack)
    return max(threads, key=loop_samples)


def shares(stacks: Counter) -> List[Tuple[str, float]]:
    total = sum(stacks.values())
    return [(label, 100 * sum(n for stack, n in stacks.items() if any(matches(stack, m) for m in marks)) / total)
            for label, marks in SUSPECTS.items()]


def top_self(stacks: Counter, count: int = 15) -> List[Tuple[str, float]]:
    """Functions by their own samples (the innermost frame), excluding the idle wait."""
    total = sum(stacks.values())
    own: Counter = Counter()
    for stack, n in stacks.items():
        own[stack.rsplit(";", 1)[-1]] += n
    return [(frame, 100 * n / total) for frame, n in own.most_common(count)]


async def concurrent_load(url: str, server: servers.Server, warm_up: bool) -> float:
    limits = httpx.Limits(max_connections=load.CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        if warm_up:  # the first predictions are slow; not sampled
            await load.sequential(client, server.chat_path, server.body)
            return 0.0
        rates = [await load.concurrent(client, server.chat_path, server.body) for _ in range(ROUNDS)]
    return sum(rates) / len(rates)


def profile(out: Path, tmp: Path, log_dir: Path, model: Optional[Path]) -> float:
    model = pinned_model(tmp, model or latest_model(servers.PROJECT_DIR / "models"))
    server = servers.kapbot(tmp / "kapbot", model.parent)
    with servers.running(server, log_dir) as run:
        asyncio.run(concurrent_load(server.main.url, server, warm_up=True))
        # --nonblocking: pausing every thread (TensorFlow has many) 100 times a second
        # slowed the service several-fold and once left it dead.
        spy = subprocess.Popen([str(servers.VENV_BIN / "py-spy"), "record", "--pid", str(run.pids[0]), "--nonblocking",
                                "--format", "raw", "--threads", "--idle", "--nolineno", "--output", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            rate = asyncio.run(concurrent_load(server.main.url, server, warm_up=False))
        finally:
            spy.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
            spy.wait(timeout=60)
    return rate


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results/kapbot-profile.txt"))
    parser.add_argument("--model", type=Path, help="a model archive (default: the newest in models/)")
    parser.add_argument("--summarise-only", action="store_true", help="summarise --out again, without a new run")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rate = float("nan")
    if not args.summarise_only:
        tmp = Path(tempfile.mkdtemp(prefix="kapbot-profile-"))
        try:
            rate = profile(args.out.resolve(), tmp, args.out.parent.resolve(), args.model)  # the service log beside it
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    threads = parse_collapsed(args.out)
    loop = event_loop_thread(threads)
    stacks = threads[loop]
    print(f"{rate:.1f} msg/s while sampled; {sum(stacks.values())} samples of the event-loop thread {loop}"
          f" ({len(threads)} threads); stacks in {args.out}")
    print("share of the event-loop thread's samples under each (inclusive; they overlap):")
    for label, share in shares(stacks):
        print(f"  {share:5.1f}%  {label}")
    print("top functions by own samples:")
    for frame, share in top_self(stacks):
        print(f"  {share:5.1f}%  {frame}")


if __name__ == "__main__":
    main()
