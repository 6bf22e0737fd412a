"""The outcome does not move with case, punctuation, whitespace or neutral text around the
message, and no text breaks the detector."""
from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.safety import (
    detect_crisis,
    rule_names,
)
from tests.safety.verdicts import SAMPLES, outcome

PUNCTUATION = ".,!?;:'\"\u2019\u2018\u201c\u201d()\u2026"
NEUTRAL_PREFIXES = ["hi. ", "Hello! ", "hey there, ", "Good morning. ", "Thanks for the info earlier. ", "ok so "]
NEUTRAL_SUFFIXES = [" anyway, what does it cost?", " Thanks.", " Also, where are you located?",
                    " Have a nice day.", " (sorry for the long message)"]
GAPS = [" ", "  ", "\t", "\n", " \n ", "\u00a0", "   "]
INVARIANCE = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
samples = st.sampled_from(SAMPLES)


@INVARIANCE
@given(text=samples, seed=st.integers(0, 2**32 - 1))
def test_case_does_not_matter(text: str, seed: int) -> None:
    rng = random.Random(seed)
    changed = "".join(c.swapcase() if rng.random() < 0.5 else c for c in text)
    assert outcome(changed) == outcome(text) == outcome(text.upper()) == outcome(text.lower())


@INVARIANCE
@given(text=samples, seed=st.integers(0, 2**32 - 1))
def test_punctuation_does_not_matter(text: str, seed: int) -> None:
    rng = random.Random(seed)
    dropped = set(rng.sample(PUNCTUATION, rng.randint(1, len(PUNCTUATION))))
    removed = "".join(c for c in text if c not in dropped).replace("-", " ")
    words = text.split(" ")
    added = " ".join(w + (rng.choice([",", ".", "!", "?", "...", ";", ":", " -"]) if rng.random() < 0.3 else "")
                     for w in words) + rng.choice(["", "?", "!", ".", "!!"])
    assert outcome(removed) == outcome(text), removed
    assert outcome(added) == outcome(text), added


@INVARIANCE
@given(text=samples, seed=st.integers(0, 2**32 - 1))
def test_whitespace_does_not_matter(text: str, seed: int) -> None:
    rng = random.Random(seed)
    spaced = rng.choice(GAPS) + "".join(rng.choice(GAPS) if c == " " else c for c in text) + rng.choice(GAPS)
    assert outcome(spaced) == outcome(text), repr(spaced)


@INVARIANCE
@given(text=samples, prefix=st.sampled_from(["", *NEUTRAL_PREFIXES]),
       suffix=st.sampled_from(["", *NEUTRAL_SUFFIXES]))
def test_neutral_text_around_the_message_does_not_matter(text: str, prefix: str, suffix: str) -> None:
    assert outcome(prefix + text + suffix) == outcome(text), prefix + text + suffix


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300))
def test_arbitrary_text_never_breaks_the_detector(text: str) -> None:
    signal = detect_crisis(text)
    assert signal is None or signal.rule in rule_names()
