"""The model's own crisis net: a binary classifier trained with the rest of the NLU pipeline.

The deterministic rules (bot/safety/) run first on every message; this is the second,
independent net for wording no rule foresaw. It reads the message as TF-IDF word and
character n-grams and the sentence embedding (bot/nlu/text_vectors.py), and gives every
message a ``crisis_score``: the probability that it is a crisis. Every example of the
``crisis`` intent in data/ is a positive, every other example a negative.

The sentence embedding carries most of what generalises to wording nobody wrote down. It
is a separate logistic regression, not the crisis intent of DIET, because one yes/no
question with balanced class weights learns far more from a few hundred crisis examples
than one class among forty does, and its probability can be given a threshold of its own.
ConfidenceGate (bot/nlu/confidence.py) compares the score with its ``crisis`` threshold in config.yml.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Type

import joblib
import numpy as np
from pydantic import BaseModel
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import INTENT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from bot.nlu.confidence import CRISIS_INTENT, CRISIS_SCORE_KEY
from bot.nlu.text_vectors import TextVectors

logger = logging.getLogger(__name__)

MODEL_FILE = "crisis_classifier.joblib"


class _Trained(BaseModel):
    """What training leaves behind, saved as one file."""

    vectors: TextVectors
    model: LogisticRegression

    class Config:
        arbitrary_types_allowed = True


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class CrisisClassifier(GraphComponent):
    @classmethod
    def required_components(cls) -> List[Type]:
        return [Featurizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # C: inverse regularisation. Balanced weights: a few hundred positives among thousands.
        return {"C": 16.0, "word_ngrams": (1, 2), "char_ngrams": (2, 5), "embedding_weight": 1.0, "random_seed": 1}

    def __init__(
        self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        trained: Optional[_Trained] = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.trained = trained

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CrisisClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT)]
        labels = np.array([e.get(INTENT) == CRISIS_INTENT for e in examples])
        if not labels.any() or labels.all():
            logger.warning("no crisis examples (or nothing else) to train on: the crisis net is off")
            return self._resource
        vectors = TextVectors(self.config["word_ngrams"], self.config["char_ngrams"],
                              float(self.config["embedding_weight"]))
        model = LogisticRegression(
            C=float(self.config["C"]), class_weight="balanced", max_iter=3000,
            random_state=int(self.config["random_seed"]),
        )
        model.fit(vectors.fit(examples), labels)
        self.trained = _Trained(vectors=vectors, model=model)
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self.trained.dict(), directory / MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext, **kwargs: Any,
    ) -> "CrisisClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                trained: Optional[_Trained] = _Trained(**joblib.load(directory / MODEL_FILE))
        except (ValueError, FileNotFoundError, TypeError):
            logger.warning("the model has no trained crisis classifier: the crisis net is off")
            trained = None
        return cls(config, model_storage, resource, trained)

    def process(self, messages: List[Message]) -> List[Message]:
        if self.trained is None:
            return messages
        # The logistic function by hand: sklearn's predict_proba costs ~1.5 ms per message in
        # input checks.
        weights, bias = self.trained.model.coef_, float(self.trained.model.intercept_[0])
        for message in messages:
            logit = bias + float(self.trained.vectors.dot(message, weights)[0])
            message.set(CRISIS_SCORE_KEY, round(float(expit(logit)), 4), add_to_output=True)
        return messages
