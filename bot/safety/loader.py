"""Which patterns files make up the rules, in which order, and how they are read.

Rule order is priority order (the first unsuppressed match wins), so the files are read in the
fixed order of :data:`PATTERN_FILES`, not in directory order: a new file is added to that list
on purpose, where its rules belong, and a file in the folder but not in the list is an error
rather than silently ignored.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Sequence, Tuple, Union

import yaml
from pydantic import ValidationError

from bot.errors import ConfigError
from bot.safety.detector import Detector
from bot.safety.spec import PatternFile, PatternSet

PATTERNS_DIR = Path(__file__).with_name("patterns")
PATTERN_FILES: Tuple[str, ...] = (
    "common.yml",  # spelling, shared word families
    "guards.yml",  # contexts, guards, masks
    "medical.yml",  # before everything: an emergency is answered with a call for help
    "ideation.yml",
    "farewell.yml",
    "means.yml",
    "imminence.yml",
    "self_injury.yml",
    "mentions.yml",  # the catch-all mention of suicide comes after every specific self-harm rule
    "third_person.yml",
    "harm_to_others.yml",
    "abuse.yml",
)

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
    try:
        return Detector(PatternSet.merge(parts))
    except (ValueError, ConfigError) as exc:  # pydantic's ValidationError is a ValueError
        raise ConfigError(f"{source}: cannot load the crisis patterns: {exc}") from exc
