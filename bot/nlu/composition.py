"""Crisis and look-alike messages with an ordinary clinic question beside them, for the crisis net.

Patients write several things in one message: "I've decided to end it tonight. How much is a
consultation?" The crisis net learned from messages that say one thing. In stop 50, stop 49's
model found alone 443 of the 449 validation crises, but only 284 when a calibration question
followed them ("... Anyway, <question>?"): to the net, a message that ends on a practical
question was not a crisis.

So the net also trains on compositions: a crisis of its lists with a question from the FAQ
examples before or after it is a crisis, and as many look-alikes with a question stay what they
were, so the question itself teaches nothing either way. Built afresh at each training from the
same lists and examples, with a fixed seed.

The look-alikes are drawn from those the net finds hardest (``hardest``): stop 51's
1500 drawn from all 19,240 taught the net that "I've decided / I'm ready" before a question
could be a crisis, but showed it too few harmless ones ("finally ready to start, what do I do
first?"), and a calibration question of that kind lifted the threshold from 0.51 to 0.67.
"Hardest" is the crisis score of a first regression fitted without compositions; nearness in
the sentence embedding is no guide (its 3000 nearest were mostly in languages other than English).
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import numpy as np
from pydantic import BaseModel

# How the two parts meet. ``{m}`` is the list's message, ``{q}`` the question in lower case
# and ``{Q}`` capitalised; the question ends with "?" or nothing, as people type.
JOINS = (
    "{m} {Q}", "{m}. {Q}", "{m}, {q}", "{m}\n{Q}", "{m} And {q}", "{m} Oh and {q}", "{m} One more thing, {q}",
    "{m} PS {q}", "{m} Separate question: {q}", "{m} Unrelated, but {q}", "{m} Sorry, {q}",
    "{Q} {m}", "{Q}\n{m}", "{Q} And {m}", "{Q} Also {m}",
)


class CompositionConfig(BaseModel):
    """``per_class`` compositions of crises, and as many of look-alikes."""

    per_class: int = 1500
    hardest: int = 3000  # look-alikes come from this many that score highest; 0: from all
    question_intent: str = "faq"  # the questions come from this intent's examples
    random_seed: int = 1


def compose(
    messages: Sequence[str], crisis: np.ndarray, questions: Sequence[str], config: CompositionConfig,
    scores: Optional[np.ndarray] = None,
) -> Tuple[List[str], np.ndarray]:
    """Texts and labels: each a message of ``messages`` (its label kept) joined to a question.

    ``scores`` (crisis scores, one per message) choose the hardest look-alikes; without them
    the look-alikes are drawn from all."""
    if not questions or config.per_class <= 0:
        return [], np.zeros(0, dtype=bool)
    rng = np.random.default_rng(config.random_seed)
    texts: List[str] = []
    labels: List[bool] = []
    for label in (True, False):
        pool = np.flatnonzero(crisis == label)
        if not label and scores is not None and config.hardest:
            pool = hardest_look_alikes(scores, crisis, config.hardest)
        if not len(pool):
            continue
        for index in rng.choice(pool, size=config.per_class, replace=config.per_class > len(pool)):
            texts.append(_join(messages[index].strip(), questions[rng.integers(len(questions))], rng))
            labels.append(label)
    return texts, np.array(labels, dtype=bool)


def hardest_look_alikes(scores: np.ndarray, crisis: np.ndarray, count: int) -> np.ndarray:
    """Indices of the ``count`` look-alikes with the highest crisis scores, in order of index."""
    look_alikes = np.flatnonzero(~crisis)
    return np.sort(look_alikes[np.argsort(-scores[look_alikes], kind="stable")[:count]])


def _join(message: str, question: str, rng: np.random.Generator) -> str:
    question = question.strip().rstrip("?") + ("?" if rng.random() < 0.6 else "")
    return JOINS[rng.integers(len(JOINS))].format(m=message, q=question[:1].lower() + question[1:],
                                                  Q=question[:1].upper() + question[1:])
