"""The last step of the NLU pipeline: decide answer, offer or ask (bot/nlu/confidence.py).

It takes the place of Rasa's FallbackClassifier, which looks at the intent
alone: a message can be surely "faq" while the response selector is unsure
which topic. When the decision is to ask, the intent becomes ``nlu_fallback``
so the dialogue rules run ``action_clarify``; every message carries the
decision (``reply_decision``) for the actions and for ``kapbot eval``. A reply to one of the
contact form's questions is marked in its metadata (bot/conversation_processor.py) and held
to the crisis net's threshold for the form.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.confidence import DECISION_KEY, FALLBACK_INTENT, FORM_REPLY_KEY, ReplyKind, Thresholds, decide, rank

KEPT_CANDIDATES = 5  # enough for the offered topics; keeps the stored event small


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ConfidenceGate(GraphComponent, IntentClassifier):
    @classmethod
    def required_components(cls) -> List[Type]:
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return Thresholds().dict()

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.thresholds = Thresholds.parse_obj({k: config[k] for k in Thresholds.__fields__ if k in config})

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ConfidenceGate":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if not message.get(INTENT):
                continue
            form_reply = bool((message.get("metadata") or {}).get(FORM_REPLY_KEY))
            decision = decide(rank(message.data), self.thresholds, form_reply)
            best = decision.best
            if decision.kind is ReplyKind.CLARIFY:
                fallback = {"name": FALLBACK_INTENT, "confidence": best.score if best else 0.0}
                message.data[INTENT] = fallback
                message.data[INTENT_RANKING_KEY] = [fallback] + list(message.get(INTENT_RANKING_KEY) or [])
            elif best is not None and best.intent != message.get(INTENT, {}).get("name"):
                # A plain intent can outscore "faq" x an unsure topic: the dialogue follows the decision.
                message.data[INTENT] = {"name": best.intent, "confidence": best.score}
            message.set(
                DECISION_KEY,
                {
                    "kind": decision.kind.value,
                    "ranking": [c.dict() for c in decision.ranking[:KEPT_CANDIDATES]],
                    "options": decision.options,
                    "form_reply": decision.form_reply,
                },
                add_to_output=True,
            )
        return messages
