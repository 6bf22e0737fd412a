"""Crisis and look-alike messages joined to a clinic question (bot/nlu/composition.py)."""
from __future__ import annotations

import numpy as np

from bot.nlu.composition import CompositionConfig, compose, hardest_look_alikes
from bot.nlu.crisis_classifier import configured_crisis
from tests.paths import PROJECT_DIR

MESSAGES = ["i have the pills counted out for tonight", "my cat knocked my pills off the shelf lol",
            "nobody would notice if i was gone", "gone to my sisters for the weekend"]
CRISIS = np.array([True, False, True, False])
QUESTIONS = ["how much is a session", "Do I need a referral?", "is parking free"]


def test_each_text_is_a_list_message_whole_beside_a_question_and_keeps_its_label() -> None:
    texts, labels = compose(MESSAGES, CRISIS, QUESTIONS, CompositionConfig(per_class=20))
    assert len(texts) == 40 and labels.sum() == 20
    for text, label in zip(texts, labels, strict=True):
        (source,) = [m for m in MESSAGES if m in text]
        assert CRISIS[MESSAGES.index(source)] == label
        assert any(q.rstrip("?").lower() in text.lower() for q in QUESTIONS)
    assert any(text.startswith(tuple(MESSAGES)) for text in texts)  # the question after
    assert any(not text.startswith(tuple(MESSAGES)) for text in texts)  # and before


def test_the_same_seed_composes_the_same_texts() -> None:
    first = compose(MESSAGES, CRISIS, QUESTIONS, CompositionConfig(per_class=10))
    again = compose(MESSAGES, CRISIS, QUESTIONS, CompositionConfig(per_class=10))
    other = compose(MESSAGES, CRISIS, QUESTIONS, CompositionConfig(per_class=10, random_seed=2))
    assert first[0] == again[0] and first[0] != other[0]


def test_no_questions_compose_nothing() -> None:
    texts, labels = compose(MESSAGES, CRISIS, [], CompositionConfig(per_class=10))
    assert texts == [] and len(labels) == 0


def test_the_crisis_net_composes_from_the_faq_examples() -> None:
    settings = configured_crisis(PROJECT_DIR / "config.yml").compose
    assert settings is not None and settings.per_class > 0 and settings.question_intent == "faq"


def test_the_look_alikes_come_from_those_the_net_finds_hardest() -> None:
    messages = ["crisis one", "hard look-alike", "crisis two", "easy look-alike", "easiest look-alike"]
    crisis = np.array([True, False, True, False, False])
    scores = np.array([0.9, 0.6, 0.8, 0.2, 0.01])
    assert list(hardest_look_alikes(scores, crisis, 2)) == [1, 3]
    texts, labels = compose(messages, crisis, QUESTIONS, CompositionConfig(per_class=30, hardest=1), scores)
    assert all("hard look-alike" in text for text, label in zip(texts, labels, strict=True) if not label)
    _, without = compose(messages, crisis, QUESTIONS, CompositionConfig(per_class=30, hardest=1))
    assert (~without).sum() == 30  # without scores, drawn from all: still as many
