"""Where kapbot's cold start goes, in time and memory: imports, unpacking the model, each graph component, the rest.

Run with `.venv/bin/python bench/cold_start.py`. Repeats ``Assistant.load``'s steps
in this process, timing each; the graph components are timed by wrapping Rasa's
``GraphNode._load_component`` (here only, never in the service).
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

Timings = List[Tuple[str, float, float, float]]  # (step, wall s, CPU s, MB of RSS it added)
NodeTimes = Dict[str, Tuple[float, float, float]]


@contextmanager
def timed(timings: Timings, label: str) -> Iterator[None]:
    started, cpu, rss = time.perf_counter(), time.process_time(), _rss_mb()
    yield
    timings.append((label, time.perf_counter() - started, time.process_time() - cpu, _rss_mb() - rss))


def _rss_mb() -> float:
    from bench.servers import process_rss_mb

    return process_rss_mb(os.getpid())


def time_components(node_times: NodeTimes) -> None:
    """Record how long each graph node takes to load its component."""
    from rasa.engine.graph import GraphNode

    original = GraphNode._load_component

    def load_component(node: GraphNode, **kwargs: Any) -> None:
        started, cpu, rss = time.perf_counter(), time.process_time(), _rss_mb()
        original(node, **kwargs)
        wall, used, grew = node_times.get(node._node_name, (0.0, 0.0, 0.0))
        node_times[node._node_name] = (
            wall + time.perf_counter() - started, used + time.process_time() - cpu, grew + _rss_mb() - rss
        )

    GraphNode._load_component = load_component  # type: ignore[method-assign]


def time_unpacking(timings: Timings) -> None:
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    original = LocalModelStorage.from_model_archive.__func__  # type: ignore[attr-defined]

    def from_model_archive(cls: type, *args: Any, **kwargs: Any) -> Any:
        with timed(timings, "  unpack the model archive, read metadata"):
            return original(cls, *args, **kwargs)

    LocalModelStorage.from_model_archive = classmethod(from_model_archive)  # type: ignore[method-assign]


def main() -> None:
    timings: Timings = []
    node_times: NodeTimes = {}
    started, cpu, rss = time.perf_counter(), time.process_time(), _rss_mb()
    with timed(timings, "import Rasa, TensorFlow, kapbot"):
        from rasa.core.agent import Agent
        from rasa.core.tracker_store import SQLTrackerStore

        from actions import build_actions
        from bot.action_runner import InProcessActionEndpoint
        from bot.content.knowledge import Knowledge
        from bot.engine import latest_model, staff_outbox
        from bot.log import quiet_rasa_logs
        from bot.safety import warm_up
        from bot.settings import get_settings
    quiet_rasa_logs()
    settings = get_settings()
    os.chdir(settings.project_dir)  # config.yml names the spaCy pipeline relative to the project
    model = latest_model(settings.models_dir)
    time_components(node_times)
    time_unpacking(timings)
    with timed(timings, "content and clinic"):
        knowledge = Knowledge.from_settings(settings)
        _ = knowledge.clinic  # read and validate clinic.yml now, not on first use
    with timed(timings, "register the actions (rasa-sdk executor)"):
        endpoint = InProcessActionEndpoint(build_actions(knowledge, staff_outbox(settings, knowledge)))
    store = SQLTrackerStore(dialect="sqlite", db=str(Path(tempfile.mkdtemp()) / "conversations.db"))
    with timed(timings, "Agent.load"):
        Agent.load(model, tracker_store=store, action_endpoint=endpoint)
    with timed(timings, "crisis rules warm-up"):
        warm_up()
    total, total_cpu, total_rss = time.perf_counter() - started, time.process_time() - cpu, _rss_mb() - rss
    # The machine is shared: wall time includes waiting for a core, CPU time does not.
    print(f"model {model.name}; load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    print(f"{'wall s':>8} {'share':>6} {'CPU s':>7} {'+RSS MB':>8}")
    rows = list(timings)
    components = [(f"    {name}", *figures) for name, figures in node_times.items()]
    rows.append(("  graph components, of which:", *(sum(row[i] for row in components) for i in (1, 2, 3))))
    rows += sorted(components, key=lambda row: -row[1])[:8]
    rows.append(("total", total, total_cpu, total_rss))
    for label, wall, used, grew in rows:
        print(f"{wall:8.2f} {100 * wall / total:5.0f}% {used:7.2f} {grew:8.0f}  {label}")
    print(f"RSS at the end: {_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
