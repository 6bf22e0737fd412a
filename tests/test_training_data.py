"""The training data teaches; the dev set only measures. They must not overlap."""
from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate
from typing import Dict, List, Sequence, Set

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bot.nlu.crisis_classifier import load_crisis_net_list
from tests.paths import PROJECT_DIR

# Words a patient puts around a question without changing it: "hi, where are you
# located" teaches the model the measured message "Where are you located?" itself.
FILLER = {
    "hi", "hello", "hey", "ok", "okay", "and", "so", "um", "thanks", "please",
    "yes", "yeah", "oh", "well", "also", "just", "sorry",
}


def normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower().replace("’", "'")).strip()


def core(text: str) -> str:
    """The message without punctuation, case or filler words at either end."""
    words = normalise(text).split()
    while words and words[0] in FILLER:
        words.pop(0)
    while words and words[-1] in FILLER:
        words.pop()
    return " ".join(words)


def test_core_strips_filler_but_keeps_the_question() -> None:
    assert core("Hi, where are you located?") == core("where are you located") == "where are you located"
    assert "how much does it cost" in clauses("how much does it cost? my wallet is empty")
    assert clauses("integration, what's that about") == ["whats that about"]
    assert core("ok and how many sessions will I need") == "how many sessions will i need"
    assert core("so is it legal in canada") != core("is it legal")
    examples = Examples(("How Do I Get Started With Ketamine Therapy?", "how do i forget it",
                         "do i have to stop my antidepressants before kap"))
    assert examples.holding("how do i get started") == {0}
    assert examples.holding("how do i get") == {0}  # not "how do i forget"
    assert examples.holding("do i have to stop my antidepressant") == {2}
    assert examples.holding("ketamine therapy how") == set()  # never across two examples


def clauses(text: str) -> List[str]:
    """The cores of a message's clauses of two words or more: "how much does it cost? my
    wallet is empty" holds the measured "How much does it cost?" as much as the bare question."""
    return [c for c in map(core, re.split(r"[.,;:!?\n]+", text)) if len(c.split()) >= 2]


class Examples:
    """Training texts, each normalised once and joined, so that one regular-expression pass over
    them all finds every example that holds a phrase (a pair-by-pair search took about six
    minutes of the test run)."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = tuple(texts)
        self.cores = [core(t) for t in self.texts]
        self.clauses = [clauses(t) for t in self.texts]
        padded = [f" {normalise(t)} " for t in self.texts]
        self.starts = list(accumulate([0] + [len(p) + 1 for p in padded[:-1]]))
        self.joined = "\n".join(padded)  # a phrase has no newline, so no match spans two examples

    def holding(self, text: str) -> Set[int]:
        """The examples that hold ``text`` from a word start, allowing an ending on its last
        word: the measured "do I have to stop my antidepressant" hides in "...my antidepressants
        before kap"."""
        return {bisect_right(self.starts, m.start()) - 1
                for m in re.finditer(rf" {re.escape(text)}[a-z]{{0,3}} ", self.joined)}


@lru_cache(maxsize=1)
def training_examples() -> Examples:
    """Every text anything trains on, read once for the whole module (Rasa's loader is slow):
    the NLU examples and the crisis net's own lists under data/crisis_net/."""
    nlu = [e.get("text") for e in load_data(str(PROJECT_DIR / "data" / "nlu")).training_examples]
    crisis_net = [
        text for path in sorted((PROJECT_DIR / "data" / "crisis_net").glob("*.yml"))
        for text in load_crisis_net_list(path).texts
    ]
    return Examples(nlu + crisis_net)


# A measured question of this many words or more must not appear inside any example at all:
# "how do i get started with ketamine therapy" teaches the measured "How do I get started?".
CONTAINED_FROM_WORDS = 4


def leaked(texts: Set[str], whole_words: bool = True) -> List[str]:
    """Training examples that are one of ``texts``, hold one as a clause, or (with
    ``whole_words``) hold one of four words or more anywhere."""
    examples = training_examples()
    found = {i for i, (c, parts) in enumerate(zip(examples.cores, examples.clauses, strict=True))
             if c in texts or any(part in texts for part in parts)}
    if whole_words:
        for text in texts:
            if len(text.split()) >= CONTAINED_FROM_WORDS:
                found |= examples.holding(text)
    return sorted(examples.texts[i] for i in found)


MEASURING_SETS = [
    PROJECT_DIR / "tests" / "eval" / "dev.yml",  # dev.yml and real_dev.yml: copies of the shared sets
    PROJECT_DIR / "tests" / "eval" / "real_dev.yml",
    PROJECT_DIR / "tests" / "eval" / "calibration.yml",  # chooses the thresholds in config.yml
]


@pytest.mark.parametrize("measuring_set", MEASURING_SETS, ids=lambda p: p.name)
def test_no_measuring_message_is_in_the_training_data(measuring_set) -> None:
    questions = yaml.safe_load(measuring_set.read_text())
    texts = {core(q["text"]) for q in questions.get("questions", []) + questions.get("crisis", [])} - {""}
    assert len(texts) > 40
    assert leaked(texts) == []


REDTEAM_SETS = sorted((PROJECT_DIR / "tests" / "redteam").rglob("*.yml"))


@pytest.mark.parametrize("redteam_set", REDTEAM_SETS, ids=lambda p: str(p.relative_to(PROJECT_DIR / "tests")))
def test_no_redteam_message_is_in_the_training_data(redteam_set) -> None:
    """The red-team sets tune the rules (tuning sets), choose the crisis threshold
    (validation) or measure (frozen, fresh). Those held-out messages must not hide inside an
    example either. The tuning sets hold the plainest phrases ("i want to die"), which the
    crisis examples must be free to use inside longer sentences."""
    texts = {core(e["text"]) for e in yaml.safe_load(redteam_set.read_text())} - {""}
    assert len(texts) > 50  # read whole (stop 52's fresh sets hold 57 and 58)
    held_out = {"frozen", "validation", "fresh"} & set(redteam_set.parts)
    assert leaked(texts, whole_words=bool(held_out)) == []


def test_every_faq_topic_has_enough_examples() -> None:
    from bot.build.compile import faq_topics
    from bot.content.library import load_library

    training = load_data(str(PROJECT_DIR / "data" / "nlu"))
    counts: Dict[str, int] = {}
    for example in training.training_examples:
        key = example.get("intent_response_key")
        if key:
            counts[key.partition("/")[2]] = counts.get(key.partition("/")[2], 0) + 1
    library = load_library(PROJECT_DIR / "content")
    thin = {topic: counts.get(topic, 0) for topic in faq_topics(library) if counts.get(topic, 0) < 20}
    assert thin == {}
