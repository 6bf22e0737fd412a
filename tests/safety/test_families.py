"""The rules catch each crisis family in its plainest words (tests/safety_families/): every
crisis takes the crisis path in the family's category, and no near miss does."""
from __future__ import annotations

from typing import List, Tuple

import pytest
import yaml

from bot.safety import detect_crisis
from bot.safety.signal import CrisisCategory
from tests.paths import PROJECT_DIR

FAMILIES = PROJECT_DIR / "tests" / "safety_families"


def _cases(kind: str) -> List[Tuple[str, str, str]]:
    cases = []
    for path in sorted(FAMILIES.glob("*.yml")):
        family = yaml.safe_load(path.read_text(encoding="utf-8"))
        cases += [(path.stem, family["category"], text) for text in family[kind]]
    return cases


@pytest.mark.parametrize("family, category, text", _cases("crises"))
def test_each_family_is_caught_in_plain_words(family: str, category: str, text: str) -> None:
    signal = detect_crisis(text)
    assert signal is not None and signal.crisis_path, f"{family}: missed"
    assert signal.category == CrisisCategory(category)


@pytest.mark.parametrize("family, category, text", _cases("near_misses"))
def test_the_same_words_with_no_one_in_danger_do_not_fire(family: str, category: str, text: str) -> None:
    signal = detect_crisis(text)
    assert signal is None or not signal.crisis_path, f"{family}: false alarm from {signal.rule}"
