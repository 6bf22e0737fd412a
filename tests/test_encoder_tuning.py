"""Fine-tuning the sentence encoder for the crisis net (bot/nlu/encoder_tuning.py): TensorFlow
trains it, NumPy scores with it, and both read the same weights. Its figures: test_crisis_nets."""
from __future__ import annotations

import numpy as np
import pytest

from bot.build.sentence_model import ensure_sentence_model
from bot.nlu.encoder_tuning import HEAD_BIAS, HEAD_WEIGHT, TunedScorer, TuningConfig, fine_tune
from bot.nlu.sentence_encoder import SentenceEncoder, load_published
from bot.settings import Settings

CRISIS = ["i am going to end my life tonight", "i have the pills counted out and i am saying goodbye",
          "he hit me again and i am scared to go home", "she is not breathing properly after her dose"]
ORDINARY = ["how long does a ketamine session last", "can my partner drive me home afterwards",
            "this waiting list is killing me haha", "what should i eat before the appointment"]
TEXTS = CRISIS + ORDINARY
LABELS = np.array([True] * len(CRISIS) + [False] * len(ORDINARY))


@pytest.fixture(scope="module")
def encoder(settings: Settings) -> SentenceEncoder:
    ensure_sentence_model(settings.sentence_model_dir)
    return SentenceEncoder(settings.sentence_model_dir)


def test_the_published_weights_given_back_change_nothing(encoder: SentenceEncoder, settings: Settings) -> None:
    _, published, _ = load_published(settings.sentence_model_dir)
    layers = {k: v for k, v in published.items() if k.startswith("encoder.layer.")}
    same = encoder.with_weights(layers)
    assert np.allclose(same.encode(TEXTS), encoder.encode(TEXTS), atol=1e-6)


def test_tuning_learns_its_examples_and_numpy_reads_what_tensorflow_wrote(
    encoder: SentenceEncoder, settings: Settings,
) -> None:
    config = TuningConfig(epochs=12, learning_rate=1e-4, head_learning_rate=3e-2, batch_size=4)
    tuned = fine_tune(TEXTS, LABELS, settings.sentence_model_dir, config)
    assert tuned[HEAD_WEIGHT].shape == (384,) and tuned[HEAD_BIAS].shape == (1,)
    assert not any(k.startswith("embeddings.word") for k in tuned)  # shared with the featurizer, not saved
    moved = tuned["encoder.layer.5.output.dense.weight"]
    assert moved.shape == (384, 1536)  # PyTorch's layout, as published
    scores = TunedScorer(encoder, tuned).scores(TEXTS)
    assert scores[:len(CRISIS)].min() > 0.5 > scores[len(CRISIS):].max()
    # The base encoder the scorer shares its embeddings with is left as it was.
    assert np.allclose(encoder.encode(["how long is a session"]) @ encoder.encode(["how long is a session"]).T, 1.0)


def test_the_same_seed_gives_the_same_weights_and_another_seed_others(settings: Settings) -> None:
    """The frozen floors' slack rests on this (tests/test_crisis_nets.py): retraining on the same
    lists gives the same net, bit for bit; only a change to the lists or the seed moves it."""
    config = TuningConfig(epochs=2, batch_size=4)
    first, again, other = (
        fine_tune(TEXTS, LABELS, settings.sentence_model_dir, config.copy(update={"random_seed": seed}))
        for seed in (1, 1, 2)
    )
    assert first.keys() == again.keys() == other.keys()
    assert all(np.array_equal(first[k], again[k]) for k in first)
    assert not np.array_equal(first[HEAD_WEIGHT], other[HEAD_WEIGHT])
