"""The crisis classifier's extra training lists (red team and its own) (bot/nlu/crisis_classifier.py): which lists,
how they are labelled, and that a change to one retrains it. Its figures: test_crisis_nets."""
from __future__ import annotations

from pathlib import Path

import pytest
from rasa.shared.importers.importer import TrainingDataImporter

from bot.nlu.confidence import configured_thresholds
from bot.nlu.crisis_classifier import CrisisClassifier, CrisisConfig, configured_crisis
from tests.paths import PROJECT_DIR


def _configured() -> CrisisConfig:
    return configured_crisis(PROJECT_DIR / "config.yml")


def test_it_trains_on_the_tuning_lists_and_never_on_a_held_out_one() -> None:
    red_team = [Path(p) for p in _configured().red_team]
    assert red_team == [Path("tests/redteam/crisis.yml"), Path("tests/redteam/near_misses.yml")]
    assert not any({"validation", "frozen", "fresh"} & set(p.parts) for p in red_team)


def test_its_own_lists_are_read_by_it_and_never_by_rasa() -> None:
    """DIET and the FAQ selector must not learn the look-alikes (they moved ordinary questions)."""
    lists = _configured().lists
    assert lists and all(Path(p).parent == Path("data/crisis_net") for p in lists)
    labelled = {f.path.name: f for f in _configured().labelled_lists() if str(f.path) in lists}
    assert labelled["crisis.yml"].crisis and not labelled["look_alikes.yml"].crisis
    assert min(len(f.texts) for f in labelled.values()) > 500
    importer = TrainingDataImporter.load_from_config(
        str(PROJECT_DIR / "config.yml"), str(PROJECT_DIR / "domain.yml"), [str(PROJECT_DIR / "data")]
    )
    rasa_texts = {e.get("text") for e in importer.get_nlu_data().training_examples}
    assert rasa_texts and not any(t in rasa_texts for f in labelled.values() for t in f.texts)


def test_crisis_messages_are_positives_and_near_misses_negatives(tmp_path, monkeypatch) -> None:
    (tmp_path / "c.yml").write_text('- {text: "going to end it tonight", category: self_harm}\n')
    (tmp_path / "n.yml").write_text('- {text: "this queue is killing me"}\n- {text: "dying to start"}\n')
    monkeypatch.chdir(tmp_path)
    config = CrisisConfig(red_team=["c.yml", "n.yml"], embedding_weight=0.0)
    files = config.labelled_lists()
    assert [(f.crisis, len(f.texts)) for f in files] == [(True, 1), (False, 2)]


def test_its_own_lists_are_labelled_by_their_crisis_key(tmp_path, monkeypatch) -> None:
    (tmp_path / "c.yml").write_text("crisis_net: {crisis: true, texts: [going to end it tonight]}\n")
    (tmp_path / "n.yml").write_text("crisis_net: {crisis: false, texts: [this queue is killing me]}\n")
    (tmp_path / "bad.yml").write_text("nlu: []\n")
    monkeypatch.chdir(tmp_path)
    files = CrisisConfig(lists=["c.yml", "n.yml"], embedding_weight=0.0).labelled_lists()
    assert [(f.crisis, f.texts) for f in files] == [
        (True, ["going to end it tonight"]), (False, ["this queue is killing me"]),
    ]
    with pytest.raises(ValueError, match="crisis_net"):
        CrisisConfig(lists=["bad.yml"]).labelled_lists()


def test_a_changed_list_changes_the_fingerprint(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.yml").write_text('- {text: "going to end it tonight", category: self_harm}\n')
    (tmp_path / "own.yml").write_text("crisis_net: {crisis: true, texts: [going to end it tonight]}\n")
    config = {"red_team": ["c.yml"], "lists": ["own.yml"]}
    before = CrisisClassifier.fingerprint_addon(config)
    assert CrisisClassifier.fingerprint_addon(config) == before
    (tmp_path / "c.yml").write_text('- {text: "going to end it tomorrow", category: self_harm}\n')
    changed = CrisisClassifier.fingerprint_addon(config)
    assert changed != before
    (tmp_path / "own.yml").write_text("crisis_net: {crisis: true, texts: [going to end it tomorrow]}\n")
    assert CrisisClassifier.fingerprint_addon(config) != changed


def test_the_tuned_encoder_runs_for_every_message_that_could_reach_the_threshold() -> None:
    """Below ``confirm_from`` the tuned encoder does not run and counts as 0: the score is at
    most (1 + confirm_from) / 2 had it run. That is only safe when the crisis threshold is at
    or above that."""
    configured = _configured()
    assert configured.tuning is not None and configured.sentence_model
    assert (1 + configured.confirm_from) / 2 == configured.lowest_safe_threshold()
    assert configured.lowest_safe_threshold() <= configured_thresholds(PROJECT_DIR / "config.yml").crisis
