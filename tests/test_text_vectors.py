"""TextVectors.dot, the hand-made scoring the FAQ selector and the crisis classifier run on
every message, gives the numbers sklearn's own transform gives (bot/nlu/text_vectors.py)."""
from __future__ import annotations

import pickle
from typing import List

import numpy as np
import pytest
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.text_vectors import TextVectors

TEXTS = [
    "how long is a session", "what does ketamine feel like", "how much does it cost",
    "Can I drive home afterwards?", "is it legal in canada", "sessions sessions sessions",
]


def _messages(texts: List[str], embedded: bool) -> List[Message]:
    messages = []
    for i, text in enumerate(texts):
        message = Message(data={TEXT: text})
        if embedded:
            vector = np.random.default_rng(i).normal(size=(1, 8))
            message.add_features(Features(vector / np.linalg.norm(vector), FEATURE_TYPE_SENTENCE, TEXT, "meaning"))
        messages.append(message)
    return messages


@pytest.mark.parametrize("embedded", [True, False], ids=["with embedding", "without"])
def test_dot_is_the_transform_times_the_weights(embedded: bool) -> None:
    vectors = TextVectors((1, 2), (2, 5), embedding_weight=0.7)
    rows = vectors.fit(_messages(TEXTS, embedded))
    weights = np.random.default_rng(0).normal(size=(3, rows.shape[1]))
    # Unseen words and characters, a repeated word, an empty message.
    unseen = _messages(["how LONG is the session, how long?", "zzz qqq", ""], embedded)
    for message in _messages(TEXTS, embedded) + unseen:
        expected = np.asarray(vectors.row(message).dot(weights.T)).ravel()
        assert vectors.dot(message, weights) == pytest.approx(expected, abs=1e-9), message.get(TEXT)


def test_the_vectors_survive_saving_once_used() -> None:
    vectors = TextVectors((1, 2), (2, 5), embedding_weight=0.0)
    vectors.fit(_messages(TEXTS, embedded=False))
    weights = np.ones((1, vectors.width))
    before = vectors.dot(_messages(["how long is a session"], False)[0], weights)
    loaded = pickle.loads(pickle.dumps(vectors))  # joblib pickles it with the model
    assert loaded.dot(_messages(["how long is a session"], False)[0], weights) == pytest.approx(before)
