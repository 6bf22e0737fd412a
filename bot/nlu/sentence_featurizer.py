"""A Rasa featurizer: each message's meaning as one dense vector (all-MiniLM-L6-v2).

The word and character counts before it in the pipeline see which words a
patient used; this sees what the message means, so "how many hours am I there"
lands near "how long is a session" and "I've already decided, everyone will be
better off" near the crisis examples, with no word in common. The FAQ selector
and the crisis classifier read it (bot/nlu/text_vectors.py); DIET does not.

Sentence features only: DIET (no transformer layers here) classifies from the
sentence-level features, and entities come from spaCy, not from DIET.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.sentence_encoder import SentenceEncoder

_encoders: Dict[Path, SentenceEncoder] = {}


def shared_encoder(model_dir: Path) -> SentenceEncoder:
    """One encoder per process: training builds this component several times, and the crisis
    classifier's tuned copy shares its embeddings."""
    key = model_dir.resolve()
    if key not in _encoders:
        _encoders[key] = SentenceEncoder(key)
    return _encoders[key]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceFeaturizer(DenseFeaturizer, GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # The model directory is relative to the project, as SpacyNLP's model is.
        return {**DenseFeaturizer.get_default_config(), "model": ".build/minilm"}

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self.encoder = shared_encoder(Path(config["model"]))

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentenceFeaturizer":
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if not config.get("model"):
            raise ValueError("SentenceFeaturizer needs 'model', the directory of the sentence model")

    def process(self, messages: List[Message]) -> List[Message]:
        texts = [m.get(TEXT) for m in messages]
        todo = [i for i, text in enumerate(texts) if isinstance(text, str) and text.strip()]
        if todo:
            vectors = self.encoder.encode([texts[i] for i in todo])
            for row, i in enumerate(todo):
                self._add(messages[i], vectors[row])
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def _add(self, message: Message, vector: np.ndarray) -> None:
        sentence: Optional[np.ndarray] = vector.reshape(1, -1)
        self.add_features_to_message(None, sentence, TEXT, message)


def dense_sentence(message: Message) -> Optional[np.ndarray]:
    """The message's sentence embedding, a unit vector; None before this featurizer ran."""
    blocks = [f.features for f in message.features
              if f.attribute == TEXT and f.is_dense() and f.type == FEATURE_TYPE_SENTENCE]
    return np.hstack(blocks).ravel() if blocks else None


def embedded_messages(texts: List[str], model_dir: Path) -> List[Message]:
    """Messages outside the training data (the crisis classifier's red-team lists), given the
    sentence feature by this featurizer's own ``process``."""
    config = {**SentenceFeaturizer.get_default_config(), "model": str(model_dir)}
    return SentenceFeaturizer(config, __name__).process([Message(data={TEXT: text}) for text in texts])
