"""DIET, loaded without Rasa's training step, predicts exactly what Rasa's own loading
of the same model predicts (bot/nlu/fast_load.py)."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import yaml
from rasa.core.agent import Agent
from rasa.nlu.classifiers.diet_classifier import DIET

from bot.nlu import fast_load
from bot.settings import Settings
from tests.paths import PROJECT_DIR

pytestmark = pytest.mark.slow

Ranking = List[Tuple[str, float]]


def _questions() -> List[str]:
    data = yaml.safe_load((PROJECT_DIR / "tests" / "eval" / "calibration.yml").read_text())
    return [question["text"] for question in data["questions"]]


def _rankings(agent: Agent, texts: List[str]) -> List[Tuple[Ranking, Ranking]]:
    async def parse_all() -> List[Dict[str, Any]]:
        return [await agent.parse_message(text) for text in texts]

    results = []
    for parsed in asyncio.run(parse_all()):
        faq = parsed["response_selector"]["faq"]["ranking"]
        results.append((
            [(intent["name"], intent["confidence"]) for intent in parsed["intent_ranking"]],
            [(answer["intent_response_key"], answer["confidence"]) for answer in faq],
        ))
    return results


def test_predictions_match_rasas_own_loading(settings: Settings, model_path: Path, monkeypatch) -> None:
    texts = _questions()
    fast = Agent.load(str(model_path))
    # Rasa's model classes: its load trains one step before reading the weights.
    monkeypatch.setattr(fast_load.FastLoadDIETClassifier, "model_class", staticmethod(lambda: DIET))
    rasas = Agent.load(str(model_path))

    fast_rankings, rasa_rankings = _rankings(fast, texts), _rankings(rasas, texts)

    assert len(texts) > 100
    assert _loaded_fast(fast) == [True] and _loaded_fast(rasas) == [False]
    for text, fast_ranked, rasa_ranked in zip(texts, fast_rankings, rasa_rankings, strict=True):
        for fast_ranking, rasa_ranking in zip(fast_ranked, rasa_ranked, strict=True):
            assert [name for name, _ in fast_ranking] == [name for name, _ in rasa_ranking], text
            fast_scores = [score for _, score in fast_ranking]
            assert fast_scores == pytest.approx([score for _, score in rasa_ranking], abs=1e-6), text


def _loaded_fast(agent: Agent) -> List[bool]:
    """For each DIET in ``agent``: was it loaded without Rasa's training step?"""
    runner = agent.processor.graph_runner  # type: ignore[union-attr]
    components = [node._component for node in runner._instantiated_nodes.values()]
    return [
        isinstance(c.model, fast_load._LoadsForPrediction)
        for c in components if isinstance(c, fast_load.FastLoadDIETClassifier)
    ]
