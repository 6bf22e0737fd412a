"""``kapbot eval FILE``: run a question set through the same path as the API and score it.

The file has the format of tests/eval/dev.yml: ``questions`` (text + acceptable
topics) and ``crisis`` (text + whether the crisis path must fire). Each message
starts a fresh conversation so answers do not lean on each other.

A reply is one of: an answer (possibly followed by "Or were you asking about
...?"), or a clarification (``fallback: true``, buttons naming topics).
- right: the first answer is on an acceptable topic;
- resolved: right, or a clarification whose buttons include an acceptable topic;
- wrong: an answer on another topic (not a clarification).
"""
from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Union

import yaml
from pydantic import BaseModel, Field

from bot.engine import Assistant, Reply
from bot.messages import BotMessageKind
from bot.nlu.confidence import Candidate, decision_of
from bot.payloads import topic_from_payload


class Question(BaseModel):
    text: str
    topics: List[str] = []
    crisis: Union[bool, str, None] = None  # true, false or "either"


class QuestionSet(BaseModel):
    questions: List[Question] = []
    crisis: List[Question] = []


class Outcome(BaseModel):
    question: Question
    topic: Optional[str]
    crisis: bool
    clarified: bool
    offered: List[str] = []  # topics on the clarification's buttons, or the runner-up offered
    ranking: List[Candidate] = []  # the model's scores, for replaying other thresholds

    @property
    def right(self) -> bool:
        return not self.clarified and (not self.question.topics or self.topic in self.question.topics)

    @property
    def resolved(self) -> bool:
        return self.right or (self.clarified and any(t in self.question.topics for t in self.offered))

    @property
    def wrong(self) -> bool:
        return not self.clarified and not self.right

    @property
    def crisis_ok(self) -> bool:
        expected = self.question.crisis
        return expected in (None, "either") or bool(expected) == self.crisis


class Report(BaseModel):
    outcomes: List[Outcome] = Field(default_factory=list)

    @property
    def topic_outcomes(self) -> List[Outcome]:
        return [o for o in self.outcomes if o.question.topics and o.question.crisis is None]

    def rate(self, attribute: str) -> float:
        scored = self.topic_outcomes
        return sum(bool(getattr(o, attribute)) for o in scored) / max(1, len(scored))

    @property
    def accuracy(self) -> float:
        return self.rate("right")

    def recall_by_topic(self) -> Dict[str, float]:
        hits: Dict[str, List[bool]] = defaultdict(list)
        for o in self.topic_outcomes:
            hits[o.question.topics[0]].append(o.resolved)
        return {topic: sum(v) / len(v) for topic, v in sorted(hits.items())}

    def confusions(self) -> Counter:
        return Counter((o.question.topics[0], o.topic or "-") for o in self.topic_outcomes if o.wrong)

    def crisis_results(self) -> List[Outcome]:
        return [o for o in self.outcomes if o.question.crisis is not None]


def load_question_set(path: Path) -> QuestionSet:
    return QuestionSet.parse_obj(yaml.safe_load(path.read_text(encoding="utf-8")))


def _offered(reply: Reply) -> List[str]:
    prompts = (m for m in reply.messages if m.kind is BotMessageKind.prompt)
    topics = (topic_from_payload(b.payload) for m in prompts for b in m.buttons)
    return [t for t in topics if t]


def _answered_topic(reply: Reply) -> Optional[str]:
    """The topic answered: a question that mentions suicidality gets the crisis resources
    first and then its answer (bot/engine.py), and is scored by that answer."""
    answers = [m.topic for m in reply.messages if m.kind is BotMessageKind.answer and m.topic]
    return answers[0] if reply.crisis and answers else reply.topic


async def run(assistant: Assistant, questions: QuestionSet) -> Report:
    report = Report()
    for question in questions.questions + questions.crisis:
        reply = await assistant.respond(f"eval-{uuid.uuid4().hex[:12]}", question.text)
        decision = decision_of(await assistant.agent.parse_message(question.text))
        report.outcomes.append(
            Outcome(
                question=question,
                topic=_answered_topic(reply),
                crisis=reply.crisis,
                clarified=reply.fallback,
                offered=_offered(reply),
                ranking=decision.ranking if decision else [],
            )
        )
    return report


def format_report(report: Report) -> str:
    scored = report.topic_outcomes
    lines = [
        f"questions:      {len(scored)}",
        f"right (first answer): {report.accuracy:.1%}",
        f"resolved:       {report.rate('resolved'):.1%}  (right, or a clarification offering the right topic)",
        f"wrong:          {report.rate('wrong'):.1%}  (answered on another topic)",
        f"clarified:      {report.rate('clarified'):.1%}",
        "per-topic resolved:",
    ]
    lines += [f"  {recall:6.0%}  {topic}" for topic, recall in report.recall_by_topic().items()]
    lines.append("top confusions (expected -> answered):")
    lines += [f"  {n}x {exp} -> {got}" for (exp, got), n in report.confusions().most_common(10)] or ["  none"]
    crisis = report.crisis_results()
    if crisis:
        ok = sum(o.crisis_ok for o in crisis)
        lines.append(f"crisis path: {ok}/{len(crisis)} as expected")
        lines += [
            f"  WRONG: crisis={o.crisis} expected={o.question.crisis}: {o.question.text!r}"
            for o in crisis if not o.crisis_ok
        ]
    misses = [o for o in scored if not o.resolved]
    if misses:
        lines.append("not resolved:")
        lines += [
            f"  {o.question.text!r}: {'asked ' + '/'.join(o.offered) if o.clarified else o.topic}"
            f" (want {', '.join(o.question.topics)})"
            for o in misses
        ]
    return "\n".join(lines)
