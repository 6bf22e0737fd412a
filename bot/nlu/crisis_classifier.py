"""The model's own crisis net: a binary classifier trained with the rest of the NLU pipeline.

The deterministic rules (bot/safety/) run first on every message; this is the second,
independent net for wording no rule foresaw. It reads the features the pipeline already
computed (word lemmas, character n-grams, terminology lookups) and gives every message a
``crisis_score``: the probability that it is a crisis. Every example of the ``crisis``
intent in data/ is a positive, every other example a negative.

It also reads the sentence embedding (bot/nlu/sentence_featurizer.py), which carries most
of what generalises to wording nobody wrote down. It is a separate logistic regression,
not the crisis intent of DIET, because one yes/no question with balanced class weights
learns far more from a few hundred crisis examples than one class among forty does, and
its probability can be given a threshold of its own.
ConfidenceGate (bot/nlu/confidence.py) compares the score with its ``crisis`` threshold in config.yml.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Type

import joblib
import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from bot.nlu.confidence import CRISIS_INTENT, CRISIS_SCORE_KEY

logger = logging.getLogger(__name__)

MODEL_FILE = "crisis_classifier.joblib"


def sentence_blocks(message: Message) -> List[scipy.sparse.coo_matrix]:
    """The sentence-level sparse features of each featurizer, in pipeline order.

    Read directly rather than through ``Message.get_sparse_features``, which deep-copies
    and joins every block (sequence ones too) and costs ~0.6 ms a message.
    """
    return [f.features for f in message.features
            if f.attribute == TEXT and f.is_sparse() and f.type == FEATURE_TYPE_SENTENCE]


def dense_sentence(message: Message) -> Optional[np.ndarray]:
    """The sentence embedding (bot/nlu/sentence_featurizer.py), a unit vector; None without one."""
    blocks = [f.features for f in message.features
              if f.attribute == TEXT and f.is_dense() and f.type == FEATURE_TYPE_SENTENCE]
    return np.hstack(blocks).ravel() if blocks else None


def sentence_vector(message: Message) -> Optional[scipy.sparse.csr_matrix]:
    """The message's features in one row: the sparse sentence features side by side,
    L2-normalised, then the sentence embedding (None: not featurized)."""
    blocks = sentence_blocks(message)
    if not blocks:
        return None
    sparse = normalize(scipy.sparse.hstack(blocks).tocsr())
    dense = dense_sentence(message)
    return sparse if dense is None else scipy.sparse.hstack([sparse, dense.reshape(1, -1)]).tocsr()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class CrisisClassifier(GraphComponent):
    @classmethod
    def required_components(cls) -> List[Type]:
        return [Featurizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # C: inverse regularisation. Balanced weights: a few hundred positives among thousands.
        return {"C": 16.0, "random_seed": 1}

    def __init__(
        self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        model: Optional[LogisticRegression] = None,
    ) -> None:
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CrisisClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        rows, labels = [], []
        for example in training_data.intent_examples:
            vector = sentence_vector(example)
            if vector is not None:
                rows.append(vector)
                labels.append(example.get(INTENT) == CRISIS_INTENT)
        if not any(labels) or all(labels):
            logger.warning("no crisis examples (or nothing else) to train on: the crisis net is off")
            return self._resource
        model = LogisticRegression(
            C=float(self.config["C"]), class_weight="balanced", max_iter=2000,
            random_state=int(self.config["random_seed"]),
        )
        model.fit(scipy.sparse.vstack(rows), np.array(labels))
        self.model = model
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(model, directory / MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext, **kwargs: Any,
    ) -> "CrisisClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("the model has no trained crisis classifier: the crisis net is off")
            model = None
        return cls(config, model_storage, resource, model)

    def process(self, messages: List[Message]) -> List[Message]:
        if self.model is None:
            return messages
        # The logistic function by hand on the sparse row: sklearn's predict_proba costs
        # ~1.5 ms per message in input checks, this a few microseconds, same numbers.
        weights, bias = self.model.coef_[0], float(self.model.intercept_[0])
        for message in messages:
            blocks = sentence_blocks(message)
            if not blocks:
                continue
            dot = squares = 0.0
            offset = 0
            for block in blocks:  # the same numbers as hstack + normalize + predict_proba
                row = block.tocoo()
                dot += float(np.dot(row.data, weights[offset + row.col]))
                squares += float(np.dot(row.data, row.data))
                offset += block.shape[1]
            logit = bias + (dot / np.sqrt(squares) if squares else 0.0)
            dense = dense_sentence(message)
            if dense is not None:
                logit += float(np.dot(dense, weights[offset:offset + dense.size]))
            message.set(CRISIS_SCORE_KEY, round(float(expit(logit)), 4), add_to_output=True)
        return messages
