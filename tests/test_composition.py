"""Crisis and look-alike messages joined to a clinic question (bot/nlu/composition.py)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.build.redteam import MEASURING_JOINS, with_questions
from bot.nlu.composition import JOINS, CompositionConfig, compose
from bot.nlu.crisis_classifier import configured_crisis
from bot.safety.redteam_file import RedTeamFile
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


def test_the_measuring_sets_join_their_questions_in_ways_the_net_never_trained_on() -> None:
    def connector(join: str) -> str:
        return join.replace("{m}", "").replace("{q}", "").replace("{Q}", "").strip(" ?")

    trained = {connector(join) for join in JOINS}
    for join in MEASURING_JOINS:
        assert join.startswith("{m}") and connector(join) and connector(join) not in trained, join


def test_with_questions_keeps_each_message_whole_and_its_kind() -> None:
    source = RedTeamFile(path=Path("tests/redteam/validation/crisis.yml"), crisis=True, texts=MESSAGES)
    questions = RedTeamFile(path=Path("calibration.yml"), crisis=False, texts=QUESTIONS)
    joined = with_questions(source, questions)
    assert joined.crisis and joined.path.name == "crisis+questions.yml"
    assert [t.startswith(m) for t, m in zip(joined.texts, MESSAGES, strict=True)] == [True] * 4
    assert all(t.rstrip().endswith("?") for t in joined.texts)
