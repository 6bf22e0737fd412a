"""The patterns files: they load, keep their order, fail loudly when broken, and the prefilter
(generated file included) never changes an answer. The frozen red team is never edited."""
from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot.errors import ConfigError
from bot.safety import (
    PATTERN_FILES,
    PATTERNS_DIR,
    CrisisCategory,
    load_detector,
    rule_names,
)
from tests.safety.verdicts import REDTEAM, SAMPLES


def test_patterns_files_load_and_names_are_unique() -> None:
    names = rule_names()
    assert len(names) == len(set(names))
    assert load_detector(PATTERNS_DIR).rules
    assert sorted(p.name for p in PATTERNS_DIR.glob("*.yml")) == sorted(PATTERN_FILES)


def test_rules_keep_the_order_of_the_files() -> None:
    """Rule order is priority order: the files are read in PATTERN_FILES order, not directory order."""
    shared = ("common.yml", "contexts.yml", "guards.yml")
    by_file = [load_detector([*(PATTERNS_DIR / s for s in shared), PATTERNS_DIR / name])
               for name in PATTERN_FILES if name not in shared]
    assert [r.name for d in by_file for r in d.rules] == rule_names()
    assert rule_names()[0].startswith("medical.") and rule_names()[-1].startswith("abuse.")


def _patterns_copy(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    shutil.copytree(PATTERNS_DIR, folder)
    return folder


def test_a_broken_patterns_file_fails_loudly(tmp_path: Path) -> None:
    for case, old, new, error in [
        ("broken", "'\\bnoose\\b'", "'\\bnoose(\\b'", "bad pattern"),  # a regex that cannot compile
        ("unquoted", "['off', 'odd'", "[off, 'odd'", "quote every word"),  # YAML reads off as false
        ("macro", "{others_self}", "{nobody_defined_this}", "unknown macro"),
        # "stopping" reads "stoping", which stop(?:ping) could never match
        ("split pair", "stop(?:ing)? bleeding", "stop(?:ping)? bleeding", "doubled letter split by a group"),
        ("context", "none_of: [resolved_history]", "none_of: [resolved_histroy]", "unknown context"),
        ("any_of", "any_of: [subject_question, screening_talk,", "any_of: [subject_question, screening_tlak,",
         "unknown context"),
        ("when", "when: [help_asked]", "when: [help_askd]", "unknown context"),
    ]:
        folder = _patterns_copy(tmp_path, case)
        path = next(p for p in sorted(folder.glob("*.yml")) if old in p.read_text(encoding="utf-8"))
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
        with pytest.raises(ConfigError, match=error) as raised:
            load_detector(folder)
        assert path.name in str(raised.value), f"the error should name the file: {raised.value}"


def test_a_name_defined_in_two_files_fails_loudly(tmp_path: Path) -> None:
    folder = _patterns_copy(tmp_path, "twice")
    first = (folder / PATTERN_FILES[-1]).read_text(encoding="utf-8")
    name = re.search(r"- name: (\S+)", first).group(1)  # type: ignore[union-attr]
    with open(folder / PATTERN_FILES[-2], "a", encoding="utf-8") as f:
        f.write(f"  - name: {name}\n    category: abuse\n    patterns: ['\\bxyzzy\\b']\n")
    with pytest.raises(ConfigError, match="already defined"):
        load_detector(folder)


def test_a_patterns_file_outside_the_load_order_fails_loudly(tmp_path: Path) -> None:
    folder = _patterns_copy(tmp_path, "stray")
    (folder / "extra.yml").write_text("version: 1\nrules: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="extra.yml"):
        load_detector(folder)


def test_the_prefilter_never_changes_an_answer() -> None:
    """Skipping patterns by their required words is only an optimisation: same answers without it."""
    detector = load_detector(PATTERNS_DIR)
    fast = [detector.detect(text) for text in SAMPLES]
    everything = frozenset(range(sum(len(r.patterns) for r in detector.rules) + 1000))
    detector.index.live = lambda text: everything  # type: ignore[method-assign]
    slow = [detector.detect(text) for text in SAMPLES]
    changed = [t for t, a, b in zip(SAMPLES, fast, slow, strict=True) if (a and a.name) != (b and b.name)]
    assert not changed, changed



FROZEN = REDTEAM / "frozen"


def test_frozen_redteam_is_unchanged() -> None:
    """The held-out red team (issue 10) measures the rules; it is never edited to fit them."""

    for line in (FROZEN / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        assert hashlib.sha256((FROZEN / name).read_bytes()).hexdigest() == digest, f"{name} was edited"
    crisis = yaml.safe_load((FROZEN / "crisis.yml").read_text())
    near = yaml.safe_load((FROZEN / "near_misses.yml").read_text())
    assert len(crisis) >= 150 and len(near) >= 150
    assert {x["category"] for x in crisis} <= {c.value for c in CrisisCategory}


def test_the_generated_prefilter_file_is_what_the_patterns_give() -> None:
    """`kapbot build` writes it; found afresh (patterns given as a list of files, so the file is
    not read), the literal sets must be the same, else start-up silently finds them again."""
    from bot.safety.loader import (
        PATTERNS_DIR,
        PREFILTER_FILE,
        load_detector,
        pattern_paths,
        prefilter_file_text,
        read_prefilter_file,
    )
    from bot.safety.prefilter import pattern_key

    fresh = load_detector(pattern_paths(PATTERNS_DIR))
    assert (PATTERNS_DIR / PREFILTER_FILE).read_text(encoding="utf-8") == prefilter_file_text(fresh), "kapbot build"
    known = read_prefilter_file(PATTERNS_DIR / PREFILTER_FILE)
    for candidate in fresh.candidates():
        assert known[pattern_key(candidate.pattern.pattern)] == candidate.triggers
