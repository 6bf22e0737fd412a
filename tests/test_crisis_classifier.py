"""The crisis classifier's red-team training lists (bot/nlu/crisis_classifier.py): which lists,
how they are labelled, and that a change to one retrains it. Its figures: test_crisis_nets."""
from __future__ import annotations

from pathlib import Path

import yaml

from bot.nlu.crisis_classifier import CrisisClassifier, CrisisConfig
from tests.paths import PROJECT_DIR


def _configured() -> CrisisConfig:
    pipeline = yaml.safe_load((PROJECT_DIR / "config.yml").read_text())["pipeline"]
    (entry,) = [c for c in pipeline if c["name"].endswith("CrisisClassifier")]
    return CrisisConfig.from_rasa(entry)


def test_it_trains_on_the_tuning_lists_and_never_on_a_held_out_one() -> None:
    red_team = [Path(p) for p in _configured().red_team]
    assert red_team == [Path("tests/redteam/crisis.yml"), Path("tests/redteam/near_misses.yml")]
    assert not any({"validation", "frozen"} & set(p.parts) for p in red_team)


def test_crisis_messages_are_positives_and_near_misses_negatives(tmp_path, monkeypatch) -> None:
    (tmp_path / "c.yml").write_text('- {text: "going to end it tonight", category: self_harm}\n')
    (tmp_path / "n.yml").write_text('- {text: "this queue is killing me"}\n- {text: "dying to start"}\n')
    monkeypatch.chdir(tmp_path)
    config = CrisisConfig(red_team=["c.yml", "n.yml"], embedding_weight=0.0)
    files = config.red_team_files()
    assert [(f.crisis, len(f.texts)) for f in files] == [(True, 1), (False, 2)]


def test_a_changed_list_changes_the_fingerprint(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.yml").write_text('- {text: "going to end it tonight", category: self_harm}\n')
    config = {"red_team": ["c.yml"]}
    before = CrisisClassifier.fingerprint_addon(config)
    assert CrisisClassifier.fingerprint_addon(config) == before
    (tmp_path / "c.yml").write_text('- {text: "going to end it tomorrow", category: self_harm}\n')
    assert CrisisClassifier.fingerprint_addon(config) != before
