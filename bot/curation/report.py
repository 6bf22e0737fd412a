"""``kapbot report``: the curators' log grouped by similar wording, as Markdown or CSV.

A clinic reads it to see what visitors ask that the assistant is unsure of,
and which topics they picked, then adds wording to data/ or content to content/.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from enum import Enum
from typing import List

from pydantic import BaseModel, Field
from rapidfuzz import fuzz, utils

from bot.curation.log import UnsureQuestion

SIMILAR = 70  # rapidfuzz token-set ratio at which two questions count as one wording
SINCE = re.compile(r"^(\d{1,4})([hdw])$")
UNITS = {"h": "hours", "d": "days", "w": "weeks"}


class ReportFormat(str, Enum):
    MD = "md"
    CSV = "csv"


class QuestionGroup(BaseModel):
    wordings: List[str]
    kinds: Counter = Field(default_factory=Counter)
    offered: Counter = Field(default_factory=Counter)
    chosen: Counter = Field(default_factory=Counter)

    @property
    def count(self) -> int:
        return sum(self.kinds.values())


def parse_since(value: str) -> dt.timedelta:
    """'30d', '12h' or '2w' as a time span; ValueError otherwise."""
    match = SINCE.match(value.strip().lower())
    if not match:
        raise ValueError(f"{value!r}: expected a number and h, d or w, like 30d")
    return dt.timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


def group(questions: List[UnsureQuestion]) -> List[QuestionGroup]:
    """Similar questions together, the most frequent group first."""
    groups: List[QuestionGroup] = []
    keys: List[str] = []
    for question in questions:
        key = utils.default_process(question.question)
        best = max(range(len(keys)), key=lambda i: fuzz.token_set_ratio(key, keys[i]), default=None)
        if best is None or fuzz.token_set_ratio(key, keys[best]) < SIMILAR:
            groups.append(QuestionGroup(wordings=[]))
            keys.append(key)
            best = len(groups) - 1
        found = groups[best]
        if question.question not in found.wordings:
            found.wordings.append(question.question)
        found.kinds[question.kind.value] += 1
        found.offered.update(question.offered)
        if question.chosen:
            found.chosen[question.chosen] += 1
    return sorted(groups, key=lambda g: g.count, reverse=True)


def _counts(counter: Counter) -> str:
    return ", ".join(f"{name} ({n})" for name, n in counter.most_common()) or "-"


def as_markdown(groups: List[QuestionGroup], since: str) -> str:
    lines = [f"# Questions the assistant was unsure about (last {since})", ""]
    if not groups:
        return "\n".join(lines + ["None."])
    lines += ["| times | question (and similar wordings) | how it replied | topics offered | topics picked |",
              "|---:|---|---|---|---|"]
    for g in groups:
        wordings = "<br>".join(w.replace("|", "\\|") for w in g.wordings[:5])
        lines.append(f"| {g.count} | {wordings} | {_counts(g.kinds)} | {_counts(g.offered)} | {_counts(g.chosen)} |")
    return "\n".join(lines)


def as_csv(groups: List[QuestionGroup]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["times", "question", "similar_wordings", "replies", "topics_offered", "topics_picked"])
    for g in groups:
        writer.writerow([g.count, g.wordings[0], " | ".join(g.wordings[1:]), _counts(g.kinds), _counts(g.offered),
                         _counts(g.chosen)])
    return out.getvalue()
