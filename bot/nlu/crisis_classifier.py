"""The model's own crisis net: a binary classifier trained with the rest of the NLU pipeline.

The deterministic rules (bot/safety/) run first on every message; this is the second,
independent net for wording no rule foresaw. It reads the message as TF-IDF word and
character n-grams and the sentence embedding (bot/nlu/text_vectors.py), and gives every
message a ``crisis_score``: the probability that it is a crisis. Every example of the
``crisis`` intent in data/ is a positive, every other example a negative. So are the tuning
red-team lists named in config.yml (``red_team``): crisis messages are positives, near misses
negatives. Their threshold is therefore chosen on tests/redteam/validation/, which it never sees.
It also reads lists written for it alone (``lists``, under data/crisis_net/), which Rasa skips:
look-alikes taught to DIET as FAQ examples moved its answers to ordinary questions.

The sentence embedding carries most of what generalises to wording nobody wrote down. It
is a separate logistic regression, not the crisis intent of DIET, because one yes/no
question with balanced class weights learns far more from a few hundred crisis examples
than one class among forty does, and its probability can be given a threshold of its own.
ConfidenceGate (bot/nlu/confidence.py) compares the score with its ``crisis`` threshold in config.yml.

With ``tuning`` set, a copy of the sentence encoder is also fine-tuned on the same examples
(bot/nlu/encoder_tuning.py), and the score is the mean of the two. The tuned encoder reads
context the regression cannot (whose plan, what for); on tests/redteam/validation the mean
found more crises than either alone, with fewer false alarms than the regression. Its pass
costs a full encoder run (10-17 ms), so it runs only where it could matter: for messages the
regression scores from ``confirm_from``. Below, it counts as 0 (the regression's score
halved), so a score never claims more than was computed; a test keeps the crisis threshold
at or above (1 + confirm_from) / 2, where such a message could not reach it anyway.
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple, Type

import numpy as np
import yaml
from pydantic import BaseModel
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from safetensors.numpy import load_file, save_file
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from bot.nlu import linear_model
from bot.nlu.confidence import CRISIS_INTENT, CRISIS_SCORE_KEY
from bot.nlu.encoder_tuning import TunedScorer, TuningConfig, fine_tune
from bot.nlu.linear_model import LinearConfig, TrainedLinear
from bot.nlu.sentence_featurizer import embedded_messages, shared_encoder
from bot.nlu.text_vectors import message_text
from bot.safety.redteam_file import RedTeamFile, load_redteam

logger = logging.getLogger(__name__)

MODEL_FILE = "crisis_classifier.joblib"
ENCODER_FILE = "crisis_encoder.safetensors"


class CrisisConfig(LinearConfig):
    C: float = 16.0
    red_team: List[str] = []  # red-team lists to train on, from the project directory
    lists: List[str] = []  # the crisis net's own lists (``crisis_net: {crisis, texts}``)
    sentence_model: Optional[str] = None  # SentenceFeaturizer's model, to embed them as it would
    tuning: Optional[TuningConfig] = None  # fine-tune a copy of sentence_model to second the regression
    confirm_from: float = 0.3  # the tuned encoder runs for regression scores from here

    def extra_paths(self) -> List[str]:
        return self.red_team + self.lists

    def lowest_safe_threshold(self) -> float:
        """The score is the mean of the regression and the tuned encoder, and the encoder runs only
        from ``confirm_from`` (below it counts as 0). Below (1 + confirm_from) / 2 a message the
        regression scored just under ``confirm_from`` could have reached the threshold had the
        encoder run, so no crisis threshold may sit lower."""
        return (1 + self.confirm_from) / 2 if self.tuning else 0.0

    def labelled_lists(self) -> List[RedTeamFile]:
        return [load_redteam(Path(path)) for path in self.red_team] + [
            load_crisis_net_list(Path(path)) for path in self.lists
        ]


class CrisisNetList(BaseModel):
    """A list under data/crisis_net/: every text a crisis, or every text not one."""

    crisis: bool
    texts: List[str]


def load_crisis_net_list(path: Path) -> RedTeamFile:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if "crisis_net" not in entries:
        raise ValueError(f"{path}: a crisis net list has one key, crisis_net")
    listed = CrisisNetList.parse_obj(entries["crisis_net"])
    return RedTeamFile(path=path, crisis=listed.crisis, texts=listed.texts)


def configured_crisis(config_file: Path) -> CrisisConfig:
    """The crisis classifier's settings in a Rasa config.yml."""
    pipeline = yaml.safe_load(config_file.read_text(encoding="utf-8"))["pipeline"]
    (entry,) = [c for c in pipeline if str(c["name"]).endswith("CrisisClassifier")]
    return CrisisConfig.from_rasa(entry)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class CrisisClassifier(GraphComponent):
    @classmethod
    def required_components(cls) -> List[Type]:
        return [Featurizer]

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The extra lists are read from disk, not given by the graph: a change retrains."""
        digest = hashlib.sha256()
        for path in CrisisConfig.from_rasa(config).extra_paths():
            digest.update(Path(path).read_bytes())
        return digest.hexdigest()

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Balanced class weights: a few hundred positives among thousands.
        return CrisisConfig().dict()

    def __init__(
        self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        trained: Optional[TrainedLinear] = None, tuned: Optional[TunedScorer] = None,
    ) -> None:
        self.config = CrisisConfig.from_rasa(config)
        self._model_storage = model_storage
        self._resource = resource
        self.trained = trained
        self.tuned = tuned

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
        extra, extra_labels = self._red_team()
        examples += extra
        labels = np.concatenate([labels, extra_labels])
        vectors = self.config.vectors()
        model = LogisticRegression(
            C=self.config.C, class_weight="balanced", max_iter=3000, random_state=self.config.random_seed,
        )
        model.fit(vectors.fit(examples), labels)
        self.trained = TrainedLinear(vectors=vectors, model=model)
        linear_model.save(self.trained, self._model_storage, self._resource, MODEL_FILE)
        if self.config.tuning and self.config.sentence_model:
            texts = [str(e.get(TEXT)) for e in examples]
            tuned = fine_tune(texts, labels, Path(self.config.sentence_model), self.config.tuning)
            with self._model_storage.write_to(self._resource) as directory:
                save_file(tuned, str(directory / ENCODER_FILE))
            self.tuned = TunedScorer(shared_encoder(Path(self.config.sentence_model)), tuned)
        return self._resource

    def _red_team(self) -> Tuple[List[Message], np.ndarray]:
        files = self.config.labelled_lists()
        texts = [text for f in files for text in f.texts]
        labels = np.array([f.crisis for f in files for _ in f.texts], dtype=bool)
        if self.config.embedding_weight and texts and not self.config.sentence_model:
            raise ValueError("CrisisClassifier: red_team needs sentence_model to embed the messages")
        model_dir = Path(self.config.sentence_model or ".")
        messages = (embedded_messages(texts, model_dir) if self.config.embedding_weight
                    else [Message(data={TEXT: text}) for text in texts])
        return messages, labels

    @classmethod
    def load(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext, **kwargs: Any,
    ) -> "CrisisClassifier":
        trained = linear_model.load(TrainedLinear, model_storage, resource, MODEL_FILE)
        if trained is None:
            logger.warning("the model has no trained crisis classifier: the crisis net is off")
        return cls(config, model_storage, resource, trained, cls._load_tuned(config, model_storage, resource))

    @staticmethod
    def _load_tuned(config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource) -> Optional[TunedScorer]:
        settings = CrisisConfig.from_rasa(config)
        if not (settings.tuning and settings.sentence_model):
            return None
        try:
            with model_storage.read_from(resource) as directory:
                tuned = load_file(str(directory / ENCODER_FILE))
        except (ValueError, OSError):
            logger.warning("the model has no tuned crisis encoder: the regression's score stands alone")
            return None
        return TunedScorer(shared_encoder(Path(settings.sentence_model)), tuned)

    def process(self, messages: List[Message]) -> List[Message]:
        if self.trained is None:
            return messages
        # The logistic function by hand: sklearn's predict_proba costs ~1.5 ms per message in
        # input checks.
        weights, bias = self.trained.model.coef_, float(self.trained.model.intercept_[0])
        scores = [float(expit(bias + float(self.trained.vectors.dot(m, weights)[0]))) for m in messages]
        if self.tuned is None:
            return self._set(messages, scores)
        texts = [message_text(m) for m in messages]
        confirm = [i for i, score in enumerate(scores) if score >= self.config.confirm_from and texts[i]]
        tuned = dict(zip(confirm, self.tuned.scores([texts[i] for i in confirm]), strict=True))
        return self._set(messages, [(score + float(tuned.get(i, 0.0))) / 2 for i, score in enumerate(scores)])

    @staticmethod
    def _set(messages: List[Message], scores: List[float]) -> List[Message]:
        for message, score in zip(messages, scores, strict=True):
            message.set(CRISIS_SCORE_KEY, round(score, 4), add_to_output=True)
        return messages
