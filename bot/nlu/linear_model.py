"""What the pipeline's two linear components share (the FAQ selector, bot/nlu/linear_selector.py,
and the crisis classifier, bot/nlu/crisis_classifier.py): their settings, what training
leaves behind, and the one file that holds it in the model.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple, Type, TypeVar

import joblib
from pydantic import BaseModel
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from sklearn.linear_model import LogisticRegression

from bot.nlu.text_vectors import TextVectors

ConfigT = TypeVar("ConfigT", bound="LinearConfig")
TrainedT = TypeVar("TrainedT", bound="TrainedLinear")


class LinearConfig(BaseModel):
    C: float = 10.0  # inverse regularisation of the logistic regression
    word_ngrams: Tuple[int, int] = (1, 2)
    char_ngrams: Tuple[int, int] = (2, 5)
    embedding_weight: float = 1.0  # against the two TF-IDF blocks; 0 leaves it out
    random_seed: int = 1

    @classmethod
    def from_rasa(cls: Type[ConfigT], config: Dict[str, Any]) -> ConfigT:
        """The component's settings from Rasa's config, which also holds Rasa's own keys."""
        return cls(**{key: value for key, value in config.items() if key in cls.__fields__})

    def vectors(self) -> TextVectors:
        return TextVectors(self.word_ngrams, self.char_ngrams, self.embedding_weight)


class TrainedLinear(BaseModel):
    """What training leaves behind."""

    vectors: TextVectors
    model: LogisticRegression

    class Config:
        arbitrary_types_allowed = True


def save(trained: TrainedLinear, model_storage: ModelStorage, resource: Resource, file_name: str) -> None:
    with model_storage.write_to(resource) as directory:
        joblib.dump(trained.dict(), directory / file_name)


def load(kind: Type[TrainedT], model_storage: ModelStorage, resource: Resource, file_name: str) -> Optional[TrainedT]:
    """The trained state in the model; None if the model has none (training had too little)."""
    try:
        with model_storage.read_from(resource) as directory:
            return kind(**joblib.load(directory / file_name))
    except (ValueError, FileNotFoundError, TypeError):
        return None
