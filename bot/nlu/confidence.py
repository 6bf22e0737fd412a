"""How sure the model is, and what to do about it: answer, answer and offer the
runner-up, or ask which topic was meant.

This is the one place that turns the NLU result into that choice. The NLU
pipeline runs it (bot/nlu/confidence_gate.py, thresholds in config.yml); the
actions only carry the decision out, and ``kapbot eval`` replays it at other
thresholds to show the trade-off.

A candidate is what the assistant could do with the message: a FAQ topic
(``faq/<topic id>``, scored intent confidence x response-selector confidence)
or a plain intent (``greet``, ``out_of_scope``; scored by intent confidence).
"""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from pydantic import BaseModel, Field, root_validator

from bot.content.library import Library

FAQ_INTENT = "faq"
FALLBACK_INTENT = "nlu_fallback"
# The model's own crisis guess (a second net behind the deterministic rules)
# is never turned into a question once it reaches its own threshold.
CRISIS_INTENT = "crisis"
CRISIS_SCORE_KEY = "crisis_score"  # set by bot/nlu/crisis_classifier.py
DECISION_KEY = "reply_decision"
# Set in a message's metadata for parsing only (bot/conversation_processor.py): the visitor is
# answering one of the contact form's questions (a name, a phone number, a good time).
FORM_REPLY_KEY = "kapbot_form_reply"
# Topics never offered as a guess: they are answered only when clearly asked.
NOT_GUESSED = {"boundary.out_of_scope", "boundary.personal_struggle", "safety.crisis"}


class ReplyKind(str, Enum):
    ANSWER = "answer"
    OFFER = "offer"  # answer, then "Or were you asking about ...?"
    CLARIFY = "clarify"


class Thresholds(BaseModel):
    """Chosen on tests/eval/calibration.yml (never trained on); set in config.yml."""

    answer: float = Field(default=0.6, ge=0, le=1, description="answer outright at or above this score")
    offer: float = Field(default=0.3, ge=0, le=1, description="below this score, ask instead of answering")
    margin: float = Field(default=0.2, ge=0, le=1, description="an outright answer must lead the runner-up by this")
    crisis: float = Field(default=0.5, ge=0, le=1, description="the crisis classifier takes the crisis path from here")
    crisis_in_form: Optional[float] = Field(
        default=None, ge=0, le=1, description="the same, for a reply to a contact form question (None: as crisis)"
    )
    options: int = Field(default=3, ge=1, le=5, description="at most this many topics in a question")

    @root_validator(skip_on_failure=True)
    def in_order(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        if values["offer"] > values["answer"]:
            raise ValueError("the offer threshold must not be above the answer threshold")
        in_form = values["crisis_in_form"]
        if in_form is not None and in_form < values["crisis"]:  # the form's replies are held to more, not less
            raise ValueError("the crisis threshold in the contact form must not be below the one elsewhere")
        return values

    def crisis_for(self, form_reply: bool) -> float:
        """The crisis net's threshold for a message, in the contact form or anywhere else."""
        return self.crisis_in_form if form_reply and self.crisis_in_form is not None else self.crisis


def configured_thresholds(config_file: Path) -> Thresholds:
    """The thresholds config.yml gives the gate (bot/nlu/confidence_gate.py)."""
    config = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    for component in config.get("pipeline") or []:
        if str(component.get("name", "")).endswith("ConfidenceGate"):
            return Thresholds.parse_obj({k: v for k, v in component.items() if k != "name"})
    return Thresholds()


class Candidate(BaseModel):
    key: str  # faq/<topic id>, or a plain intent name
    score: float

    @property
    def intent(self) -> str:
        return self.key.partition("/")[0]

    @property
    def topic(self) -> Optional[str]:
        """The FAQ topic id, or None for a plain intent."""
        intent, _, topic = self.key.partition("/")
        return topic if intent == FAQ_INTENT and topic else None


class Decision(BaseModel):
    kind: ReplyKind
    ranking: List[Candidate]  # best first, as scored before the decision
    options: int = 3  # at most this many topics in a question
    form_reply: bool = False  # a reply to a contact form question: the form's crisis threshold applied

    @property
    def best(self) -> Optional[Candidate]:
        return self.ranking[0] if self.ranking else None


def rank(parse_data: Dict[str, Any]) -> List[Candidate]:
    """Every candidate the model scored, best first.

    The crisis candidate is scored by the dedicated crisis classifier when the model
    has one (its probability, not DIET's share among forty intents).
    """
    selector = (parse_data.get("response_selector") or {}).get(FAQ_INTENT) or {}
    candidates: List[Candidate] = []
    for intent in parse_data.get("intent_ranking") or []:
        name, confidence = str(intent.get("name") or ""), float(intent.get("confidence") or 0.0)
        if name == FALLBACK_INTENT:
            continue
        if name == FAQ_INTENT:
            candidates += [
                Candidate(key=str(key), score=confidence * float(option.get("confidence") or 0.0))
                for option in selector.get("ranking") or []
                if (key := option.get("intent_response_key"))
            ]
        elif name and not (name == CRISIS_INTENT and CRISIS_SCORE_KEY in parse_data):
            candidates.append(Candidate(key=name, score=confidence))
    if CRISIS_SCORE_KEY in parse_data:
        candidates.append(Candidate(key=CRISIS_INTENT, score=float(parse_data[CRISIS_SCORE_KEY])))
    return sorted(candidates, key=lambda c: c.score, reverse=True)


def decide(ranking: List[Candidate], thresholds: Thresholds, form_reply: bool = False) -> Decision:
    """The reply for a ranking: sure enough to answer, nearly sure, or unsure. ``form_reply``:
    the message answers one of the contact form's questions (see Thresholds.crisis_in_form)."""
    crisis = next((c for c in ranking if c.key == CRISIS_INTENT), None)
    others = [c for c in ranking if c is not crisis]
    if crisis is not None and crisis.score >= thresholds.crisis_for(form_reply):
        # Its own signal: a likely crisis is never outvoted by a likelier FAQ topic.
        return Decision(kind=ReplyKind.ANSWER, ranking=[crisis] + others, options=thresholds.options,
                        form_reply=form_reply)
    # Below its threshold the crisis guess is never the answer: the reply is chosen among
    # the others, and it is kept last for the record.
    ranking = others + ([crisis] if crisis is not None else [])
    if not others:
        return Decision(kind=ReplyKind.CLARIFY, ranking=ranking, options=thresholds.options, form_reply=form_reply)
    best = others[0]
    runner_up = others[1].score if len(others) > 1 else 0.0
    if best.score < thresholds.offer:
        kind = ReplyKind.CLARIFY
    elif best.score >= thresholds.answer and best.score - runner_up >= thresholds.margin:
        kind = ReplyKind.ANSWER
    elif best.topic is None:
        # "Hi" or "yes" half-sure: answering it and offering a topic reads oddly,
        # and a short question mistaken for small talk deserves a real question.
        kind = ReplyKind.ANSWER if best.score >= thresholds.answer else ReplyKind.CLARIFY
    else:
        kind = ReplyKind.OFFER
    return Decision(kind=kind, ranking=ranking, options=thresholds.options, form_reply=form_reply)


def decision_of(parse_data: Dict[str, Any]) -> Optional[Decision]:
    """The decision the pipeline stored with a message; None for a button payload."""
    stored = parse_data.get(DECISION_KEY)
    return Decision.parse_obj(stored) if stored else None


def is_crisis(decision: Optional[Decision]) -> bool:
    """The model's own net fired: its crisis intent is the answer."""
    best = decision.best if decision else None
    return bool(decision and best and decision.kind is ReplyKind.ANSWER and best.key == CRISIS_INTENT)


def topic_of(candidate: Candidate, library: Library) -> Optional[str]:
    """The content topic a candidate answers with (a plain intent may have one)."""
    entry = library.entry_for_intent(candidate.key)
    return candidate.topic or (entry.id if entry else None)


def offered_topics(decision: Optional[Decision], library: Library, skip: str = "") -> List[str]:
    """The topics worth offering from the model's ranking, best first."""
    if decision is None:
        return []
    ranked: List[str] = []
    for candidate in decision.ranking:
        topic = topic_of(candidate, library)
        if topic and topic != skip and topic not in ranked and topic not in NOT_GUESSED and library.has(topic):
            ranked.append(topic)
    return ranked[: decision.options]
