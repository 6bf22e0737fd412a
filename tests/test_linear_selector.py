"""The FAQ selector (bot/nlu/linear_selector.py), in the real trained model: it gives what
Rasa's ResponseSelector gives, so the dialogue, `rasa test nlu` and the confidence gate read it."""
from __future__ import annotations

from typing import Any, List

import pytest

from bot.nlu.linear_selector import LinearResponseSelector

pytestmark = pytest.mark.slow

MINILM_WIDTH = 384  # all-MiniLM-L6-v2's sentence embedding


def _components(assistant: Any) -> List[Any]:
    runner = assistant.agent.processor.graph_runner
    return [node._component for node in runner._instantiated_nodes.values()]


def test_the_selector_gives_rasas_response_selector_output(assistant, loop) -> None:
    parsed = loop.run_until_complete(assistant.agent.parse_message("what would a full course set me back in dollars"))

    selector = parsed["response_selector"]
    assert selector["all_retrieval_intents"] == ["faq"]
    response, ranking = selector["faq"]["response"], selector["faq"]["ranking"]
    assert response["intent_response_key"] == "faq/clinic.cost"
    assert response["utter_action"] == "utter_faq/clinic.cost"
    assert response["responses"][0]["text"]  # the response Rasa's data holds for the topic
    scores = [option["confidence"] for option in ranking]
    assert len(ranking) == 10 and scores == sorted(scores, reverse=True)
    assert ranking[0]["intent_response_key"] == response["intent_response_key"]
    assert response["confidence"] == scores[0] > 0.5
    assert sum(scores) <= 1.0 + 1e-9  # probabilities over all topics, the top ten of them


def test_the_selector_reads_words_characters_and_meaning(assistant) -> None:
    selector = next(c for c in _components(assistant) if isinstance(c, LinearResponseSelector))
    trained = selector.trained
    assert trained is not None
    width = trained.vectors.width + MINILM_WIDTH
    assert trained.model.coef_.shape == (len(trained.model.classes_), width)
    assert len(trained.model.classes_) > 30
