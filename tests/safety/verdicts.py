"""The tuning red team (tests/redteam/crisis.yml and near_misses.yml) and what the rules make of
a message: the signal when it takes the crisis path, and its category."""
from __future__ import annotations

from typing import Dict, List, Optional

import yaml

from bot.safety import CrisisCategory, CrisisSignal, detect_crisis
from tests.paths import PROJECT_DIR

REDTEAM = PROJECT_DIR / "tests" / "redteam"


def _load(name: str) -> List[Dict]:
    with open(REDTEAM / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


CRISIS = _load("crisis.yml")
NEAR_MISSES = _load("near_misses.yml")
SAMPLES = [e["text"] for e in CRISIS] + [e["text"] for e in NEAR_MISSES]


def on_crisis_path(text: str) -> Optional[CrisisSignal]:
    """The signal when it takes the crisis path (a subject-only signal does not)."""
    signal = detect_crisis(text)
    return signal if signal is not None and signal.crisis_path else None


def outcome(text: str) -> Optional[CrisisCategory]:
    signal = on_crisis_path(text)
    return None if signal is None else signal.category
