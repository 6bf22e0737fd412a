"""What the crisis check costs per message: the rules, and the model net's own share.

Run with `make bench`. The rules (bot/safety/) run on every message before the model;
the model net (bot/nlu/crisis_classifier.py) runs inside the NLU parse, on features the
pipeline computed anyway: a logistic regression for every message, and the fine-tuned
encoder's pass (bot/nlu/encoder_tuning.py) for the few the regression scores from
``confirm_from``. Figures for the bench's everyday questions and for the tuning red-team
sets (half of them crises, so most take the tuned pass) and messages in other scripts, each apart.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.latency import MESSAGES  # noqa: E402
from bot.safety import detect_crisis, warm_up  # noqa: E402
from bot.safety.redteam_file import load_redteam  # noqa: E402

REPEATS = 5


def red_team() -> List[str]:
    return [text for name in ("crisis.yml", "near_misses.yml")
            for text in load_redteam(ROOT / "tests" / "redteam" / name).texts]


def other_scripts() -> List[str]:
    """Messages in Cyrillic, Chinese, Arabic...: the rules read them spelled in Latin letters first."""
    family = yaml.safe_load((ROOT / "tests" / "safety_families" / "other_scripts.yml").read_text(encoding="utf-8"))
    return list(family["crises"]) + list(family["near_misses"])


def per_message_us(check: Callable[[str], object], texts: List[str]) -> List[float]:
    samples = []
    for _ in range(REPEATS):
        for text in texts:
            started = time.perf_counter()
            check(text)
            samples.append((time.perf_counter() - started) * 1e6)
    return samples


def describe(name: str, samples: List[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[int(0.99 * (len(ordered) - 1))]
    return (f"{name:<32} mean {statistics.fmean(ordered):7.1f} us   p50 {statistics.median(ordered):7.1f} us"
            f"   p99 {p99:7.1f} us   max {ordered[-1]:7.1f} us   (n={len(ordered)})")


def model_net_us(groups: Dict[str, List[str]]) -> Dict[str, Tuple[List[float], int]]:
    """Time the classifier's own step while the real model parses each message; with how
    many messages of each group the tuned encoder read."""
    import asyncio

    from rasa.core.agent import Agent

    from bot.build.model_archives import latest_model
    from bot.log import quiet_rasa_logs
    from bot.nlu.crisis_classifier import CrisisClassifier
    from bot.settings import get_settings

    quiet_rasa_logs()  # Rasa logs every parse at debug level otherwise
    agent = Agent.load(latest_model(get_settings().models_dir))
    nodes = agent.processor.graph_runner._instantiated_nodes.values()  # type: ignore[union-attr]  # noqa: SLF001
    node = next((n for n in nodes if isinstance(n._component, CrisisClassifier)), None)  # noqa: SLF001
    if node is None:
        print("this model has no crisis classifier")
        return {}
    samples: List[float] = []
    confirmed: List[str] = []
    step = node._fn  # noqa: SLF001 - the graph calls this with the component and the messages
    tuned = node._component.tuned  # noqa: SLF001
    if tuned is not None:
        scores = tuned.scores

        def counted(texts: List[str]) -> object:
            confirmed.extend(texts)
            return scores(texts)

        tuned.scores = counted

    def timed(*args: object, **kwargs: object) -> object:
        started = time.perf_counter()
        result = step(*args, **kwargs)
        samples.append((time.perf_counter() - started) * 1e6)
        return result

    node._fn = timed  # noqa: SLF001

    async def parse_all(texts: List[str]) -> None:
        for _ in range(REPEATS):
            for text in texts:
                await agent.parse_message(text)

    results = {}
    for name, texts in groups.items():
        samples.clear()
        confirmed.clear()
        asyncio.run(parse_all(texts))
        results[name] = (list(samples), len(confirmed) // REPEATS)
    return results


def main() -> None:
    groups = {"everyday questions": list(MESSAGES), "red team": red_team(), "other scripts": other_scripts()}
    warm_up()
    print(f"crisis check, each message x {REPEATS}:")
    for name, texts in groups.items():
        print(describe(f"rules, {name}", per_message_us(detect_crisis, texts)))
    for name, (samples, confirmed) in model_net_us(groups).items():
        print(describe(f"model net, {name}", samples)
              + f"   tuned encoder read {confirmed} of {len(groups[name])}")


if __name__ == "__main__":
    main()
