"""Which patterns files make up the rules, in which order, and how they are read.

Rule order is priority order (the first unsuppressed match wins), so the files are read in the
fixed order of :data:`PATTERN_FILES`, not in directory order: a new file is added to that list
on purpose, where its rules belong, and a file in the folder but not in the list is an error
rather than silently ignored.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Mapping, Sequence, Tuple, Union

import yaml
from pydantic import ValidationError

from bot.errors import ConfigError
from bot.safety.detector import Detector
from bot.safety.prefilter import Triggers, pattern_key
from bot.safety.spec import PatternFile, PatternSet

PATTERNS_DIR = Path(__file__).with_name("patterns")
PATTERN_FILES: Tuple[str, ...] = (
    "common.yml",  # spelling, shared word families
    "contexts.yml",  # facts about the whole message that guards consult
    "guards.yml",  # guards, masks
    "medical.yml",  # before everything: an emergency is answered with a call for help
    "ideation.yml",
    "farewell.yml",
    "means.yml",
    "imminence.yml",
    "self_injury.yml",
    "languages.yml",  # whole messages in other languages, before the catch-all mention
    "mentions.yml",  # the catch-all mention of suicide comes after every specific self-harm rule
    "third_person.yml",
    "harm_to_others.yml",
    "abuse.yml",
)

# Each pattern's prefilter literal sets, found by `kapbot build` (write_prefilter_file): finding
# them at start-up took 3 of the rules' 4 seconds of load. A pattern not in it gets them found.
PREFILTER_FILE = "prefilter.generated.json"

Source = Union[Path, Sequence[Path]]


def pattern_paths(source: Source) -> List[Path]:
    """The files to read, in order: a folder means PATTERN_FILES in it; a list is read as given."""
    if isinstance(source, Path) and source.is_dir():
        unknown = sorted(p.name for p in source.glob("*.yml") if p.name not in PATTERN_FILES)
        if unknown:
            raise ConfigError(f"{source}: patterns files not in PATTERN_FILES (so not loaded): {unknown}")
        return [source / name for name in PATTERN_FILES]
    return [source] if isinstance(source, Path) else list(source)


def load_detector(source: Source = PATTERNS_DIR) -> Detector:
    """Read, validate, merge and compile patterns files; any problem is a ConfigError naming it."""
    parts: List[Tuple[str, PatternFile]] = []
    for path in pattern_paths(source):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            parts.append((str(path), PatternFile.parse_obj(raw)))
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            raise ConfigError(f"{path}: cannot load the crisis patterns: {exc}") from exc
    literals = read_prefilter_file(source / PREFILTER_FILE) if isinstance(source, Path) and source.is_dir() else {}
    try:
        return Detector(PatternSet.merge(parts), literals)
    except (ValueError, ConfigError) as exc:  # pydantic's ValidationError is a ValueError
        raise ConfigError(f"{source}: cannot load the crisis patterns: {exc}") from exc


def read_prefilter_file(path: Path) -> Mapping[str, Triggers]:
    """The literal sets found earlier; none when the file is missing or unreadable (found again)."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))["patterns"]
        return {key: [frozenset(s) for s in sets] for key, sets in found.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def prefilter_file_text(detector: Detector) -> str:
    """What PREFILTER_FILE holds for ``detector``'s patterns, in a stable order."""
    found = {pattern_key(c.pattern.pattern): [sorted(s) for s in c.triggers] for c in detector.candidates()}
    return json.dumps(
        {"generated": "by `kapbot build` from the patterns files beside it (bot/safety/loader.py); do not edit",
         "patterns": dict(sorted(found.items()))},
        indent=0, ensure_ascii=False,
    ) + "\n"
