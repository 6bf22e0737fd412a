"""``kapbot eval FILE``: run a question set through the same path as the API and score it.

The file has the format of shared/eval/dev.yml: ``questions`` (text + acceptable
topics) and ``crisis`` (text + whether the crisis path must fire). Each message
starts a fresh conversation so answers do not lean on each other.
"""
from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Union

import yaml
from pydantic import BaseModel, Field

from bot.engine import Assistant


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
    fallback: bool

    @property
    def topic_ok(self) -> bool:
        return not self.question.topics or self.topic in self.question.topics

    @property
    def crisis_ok(self) -> bool:
        expected = self.question.crisis
        return expected in (None, "either") or bool(expected) == self.crisis


class Report(BaseModel):
    outcomes: List[Outcome] = Field(default_factory=list)

    @property
    def topic_outcomes(self) -> List[Outcome]:
        return [o for o in self.outcomes if o.question.topics and o.question.crisis is None]

    @property
    def accuracy(self) -> float:
        scored = self.topic_outcomes
        return sum(o.topic_ok for o in scored) / max(1, len(scored))

    def recall_by_topic(self) -> Dict[str, float]:
        hits: Dict[str, List[bool]] = defaultdict(list)
        for o in self.topic_outcomes:
            hits[o.question.topics[0]].append(o.topic_ok)
        return {topic: sum(v) / len(v) for topic, v in sorted(hits.items())}

    def confusions(self) -> Counter:
        return Counter(
            (o.question.topics[0], o.topic or "-") for o in self.topic_outcomes if not o.topic_ok
        )

    @property
    def fallback_rate(self) -> float:
        return sum(o.fallback for o in self.topic_outcomes) / max(1, len(self.topic_outcomes))

    def crisis_results(self) -> List[Outcome]:
        return [o for o in self.outcomes if o.question.crisis is not None]


def load_question_set(path: Path) -> QuestionSet:
    return QuestionSet.parse_obj(yaml.safe_load(path.read_text(encoding="utf-8")))


async def run(assistant: Assistant, questions: QuestionSet) -> Report:
    report = Report()
    for question in questions.questions + questions.crisis:
        reply = await assistant.respond(f"eval-{uuid.uuid4().hex[:12]}", question.text)
        report.outcomes.append(
            Outcome(question=question, topic=reply.topic, crisis=reply.crisis, fallback=reply.fallback)
        )
    return report


def format_report(report: Report) -> str:
    lines = [
        f"topic accuracy: {report.accuracy:.1%} ({sum(o.topic_ok for o in report.topic_outcomes)}"
        f"/{len(report.topic_outcomes)})",
        f"fallback rate:  {report.fallback_rate:.1%}",
        "per-topic recall:",
    ]
    lines += [f"  {recall:6.0%}  {topic}" for topic, recall in report.recall_by_topic().items()]
    lines.append("confusions (expected -> answered):")
    lines += [f"  {n}x {exp} -> {got}" for (exp, got), n in report.confusions().most_common()] or ["  none"]
    crisis = report.crisis_results()
    if crisis:
        ok = sum(o.crisis_ok for o in crisis)
        lines.append(f"crisis path: {ok}/{len(crisis)} as expected")
        lines += [
            f"  WRONG: crisis={o.crisis} expected={o.question.crisis}: {o.question.text!r}"
            for o in crisis if not o.crisis_ok
        ]
    wrong = [o for o in report.topic_outcomes if not o.topic_ok]
    if wrong:
        lines.append("misses:")
        lines += [f"  {o.question.text!r}: {o.topic} (want {', '.join(o.question.topics)})" for o in wrong]
    return "\n".join(lines)
