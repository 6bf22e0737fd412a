"""Where kapbot's cold start goes: imports, unpacking the model, each graph component, the rest.

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

Timings = List[Tuple[str, float]]


@contextmanager
def timed(timings: Timings, label: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    timings.append((label, time.perf_counter() - started))


def time_components(node_times: Dict[str, float]) -> None:
    """Record how long each graph node takes to load its component."""
    from rasa.engine.graph import GraphNode

    original = GraphNode._load_component

    def load_component(node: GraphNode, **kwargs: Any) -> None:
        started = time.perf_counter()
        original(node, **kwargs)
        node_times[node._node_name] = node_times.get(node._node_name, 0.0) + time.perf_counter() - started

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
    node_times: Dict[str, float] = {}
    started = time.perf_counter()
    with timed(timings, "import Rasa, TensorFlow, kapbot"):
        from rasa.core.agent import Agent
        from rasa.core.tracker_store import SQLTrackerStore

        from bot.action_runner import InProcessActionEndpoint
        from bot.engine import latest_model
        from bot.knowledge import get_knowledge
        from bot.log import quiet_rasa_logs
        from bot.safety import warm_up
        from bot.settings import get_settings
    quiet_rasa_logs()
    settings = get_settings()
    os.chdir(settings.project_dir)  # config.yml names the spaCy pipeline relative to the project
    model = latest_model(settings.models_dir)
    time_components(node_times)
    time_unpacking(timings)
    with timed(timings, "register the actions (rasa-sdk executor)"):
        endpoint = InProcessActionEndpoint()
    store = SQLTrackerStore(dialect="sqlite", db=str(Path(tempfile.mkdtemp()) / "conversations.db"))
    with timed(timings, "Agent.load"):
        Agent.load(model, tracker_store=store, action_endpoint=endpoint)
    with timed(timings, "crisis rules warm-up"):
        warm_up()
    with timed(timings, "content and clinic (get_knowledge)"):
        get_knowledge().clinic
    total = time.perf_counter() - started
    print(f"model {model.name}; load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    for label, seconds in timings:
        print(f"{seconds:7.2f} s  {100 * seconds / total:4.0f}%  {label}")
    components = sum(node_times.values())
    print(f"{components:7.2f} s  {100 * components / total:4.0f}%    graph components, of which:")
    for name, seconds in sorted(node_times.items(), key=lambda item: -item[1])[:12]:
        print(f"{seconds:7.2f} s  {100 * seconds / total:4.0f}%      {name}")
    print(f"{total:7.2f} s  100%  total")


if __name__ == "__main__":
    main()
