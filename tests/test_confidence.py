"""The one decision between answer, offer and ask (bot/nlu/confidence.py), and its log (bot/curation/log.py)."""
from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from bot.curation.log import CurationLog, UnsureKind, redact
from bot.curation.report import as_csv, as_markdown, group, parse_since
from bot.nlu.confidence import Candidate, ReplyKind, Thresholds, configured_thresholds, decide, rank
from bot.storage.tables import unsure_questions
from tests.databases import database
from tests.paths import PROJECT_DIR

T = Thresholds(answer=0.6, offer=0.3, margin=0.2, crisis=0.4, options=3)


def ranking(*scores: tuple) -> list:
    return [Candidate(key=key, score=score) for key, score in scores]


def test_sure_answers_nearly_sure_offers_unsure_asks() -> None:
    assert decide(ranking(("faq/clinic.cost", 0.9), ("faq/clinic.insurance", 0.05)), T).kind is ReplyKind.ANSWER
    # sure enough, but the runner-up is close: answer, then offer it
    assert decide(ranking(("faq/clinic.cost", 0.62), ("faq/clinic.insurance", 0.5)), T).kind is ReplyKind.OFFER
    assert decide(ranking(("faq/clinic.cost", 0.45), ("faq/clinic.insurance", 0.1)), T).kind is ReplyKind.OFFER
    assert decide(ranking(("faq/clinic.cost", 0.25), ("faq/clinic.insurance", 0.2)), T).kind is ReplyKind.CLARIFY
    assert decide([], T).kind is ReplyKind.CLARIFY


def test_half_sure_small_talk_is_asked_about_not_answered() -> None:
    assert decide(ranking(("greet", 0.95), ("faq/clinic.cost", 0.01)), T).kind is ReplyKind.ANSWER
    assert decide(ranking(("affirm", 0.45), ("faq/clinic.cost", 0.3)), T).kind is ReplyKind.CLARIFY


def test_the_models_crisis_guess_is_never_turned_into_a_question_from_its_own_threshold() -> None:
    assert decide(ranking(("crisis", 0.45), ("faq/clinic.cost", 0.4)), T).kind is ReplyKind.ANSWER
    assert decide(ranking(("crisis", 0.3), ("faq/clinic.cost", 0.2)), T).kind is ReplyKind.CLARIFY


def test_a_likely_crisis_is_never_outvoted_by_a_likelier_topic() -> None:
    decision = decide(ranking(("faq/clinic.cost", 0.9), ("crisis", 0.41)), T)
    assert decision.kind is ReplyKind.ANSWER and decision.best.key == "crisis"
    assert decide(ranking(("faq/clinic.cost", 0.9), ("crisis", 0.39)), T).best.key == "faq/clinic.cost"


def test_an_unlikely_crisis_is_never_the_answer_nor_crowds_out_a_topic() -> None:
    decision = decide(ranking(("crisis", 0.39), ("faq/clinic.cost", 0.05)), T)
    assert decision.kind is ReplyKind.CLARIFY and decision.best.key == "faq/clinic.cost"
    decision = decide(ranking(("crisis", 0.39), ("faq/clinic.cost", 0.35), ("faq/clinic.insurance", 0.01)), T)
    assert decision.kind is ReplyKind.OFFER and decision.best.key == "faq/clinic.cost"
    assert decide(ranking(("crisis", 0.39)), T).kind is ReplyKind.CLARIFY


def test_a_reply_to_a_contact_form_question_is_held_to_the_forms_own_crisis_threshold() -> None:
    in_form = T.copy(update={"crisis_in_form": 0.7})
    likely = ranking(("crisis", 0.6), ("faq/clinic.cost", 0.05))
    assert decide(likely, in_form).best.key == "crisis"
    decision = decide(likely, in_form, form_reply=True)
    assert decision.form_reply and decision.best.key == "faq/clinic.cost"
    assert decide(ranking(("crisis", 0.7)), in_form, form_reply=True).best.key == "crisis"
    assert decide(likely, T, form_reply=True).best.key == "crisis"  # none set: the one threshold


def test_the_form_never_gets_a_lower_crisis_threshold_than_the_rest() -> None:
    with pytest.raises(ValidationError, match="contact form"):
        Thresholds(crisis=0.65, crisis_in_form=0.6)


def test_the_crisis_classifiers_score_replaces_the_crisis_intents_share() -> None:
    parse = {"intent_ranking": [{"name": "faq", "confidence": 0.7}, {"name": "crisis", "confidence": 0.3}],
             "response_selector": {"faq": {"ranking": [{"intent_response_key": "faq/clinic.cost", "confidence": 1.0}]}},
             "crisis_score": 0.82}
    assert [(c.key, c.score) for c in rank(parse)] == [("crisis", 0.82), ("faq/clinic.cost", 0.7)]
    del parse["crisis_score"]
    assert [(c.key, c.score) for c in rank(parse)] == [("faq/clinic.cost", 0.7), ("crisis", 0.3)]


def test_rank_scores_topics_by_intent_times_selector_confidence() -> None:
    parse = {
        "intent_ranking": [{"name": "faq", "confidence": 0.8}, {"name": "greet", "confidence": 0.2}],
        "response_selector": {"faq": {"ranking": [
            {"intent_response_key": "faq/clinic.cost", "confidence": 0.5},
            {"intent_response_key": "faq/clinic.insurance", "confidence": 0.1}]}},
    }
    assert [(c.key, round(c.score, 2)) for c in rank(parse)] == [
        ("faq/clinic.cost", 0.4), ("greet", 0.2), ("faq/clinic.insurance", 0.08)]


def test_thresholds_live_in_config_yml_and_are_checked() -> None:
    thresholds = configured_thresholds(PROJECT_DIR / "config.yml")
    assert 0 < thresholds.offer <= thresholds.answer < 1
    with pytest.raises(ValidationError):
        Thresholds(answer=0.3, offer=0.5)


def test_redaction_removes_emails_and_phone_numbers_but_keeps_the_question() -> None:
    text = "I'm at sam.lee@example.org or +1 (555) 010-9999, is 2 sessions enough for 45 minutes?"
    assert redact(text) == "I'm at [email] or [phone], is 2 sessions enough for 45 minutes?"


def test_the_log_keeps_only_what_the_clinic_promises(tmp_path) -> None:
    log = CurationLog(database(tmp_path))
    old = log.record(UnsureKind.CLARIFICATION, "old question", ["clinic.cost"], "web", keep_days=30)
    with log.engine.begin() as db:
        db.execute(unsure_questions.update().where(unsure_questions.c.id == old)
                   .values(asked_at=dt.datetime.utcnow() - dt.timedelta(days=31)))
    new = log.record(UnsureKind.CLARIFICATION, "call me on 555 010 4477", ["clinic.cost"], "sms", keep_days=30)
    log.choose(new, "clinic.cost")
    rows = log.since(dt.datetime(2000, 1, 1), keep_days=30)
    assert [(r.question, r.chosen, r.channel) for r in rows] == [("call me on [phone]", "clinic.cost", "sms")]


def test_report_groups_similar_wording_with_counts_and_picks(tmp_path) -> None:
    log = CurationLog(database(tmp_path))
    for text, chosen in [("how much is the IV one", "clinic.cost"), ("how much is the iv one?", "clinic.cost"),
                         ("parking near you", None)]:
        row = log.record(UnsureKind.CLARIFICATION, text, ["clinic.cost", "during.administration"], "web", None)
        if chosen:
            log.choose(row, chosen)
    groups = group(log.since(dt.datetime(2000, 1, 1), None))
    assert [g.count for g in groups] == [2, 1]
    assert groups[0].chosen["clinic.cost"] == 2
    markdown = as_markdown(groups, "30d")
    assert "| 2 | how much is the IV one<br>how much is the iv one? |" in markdown
    assert as_csv(groups).splitlines()[1].startswith("2,how much is the IV one,")


def test_since_takes_hours_days_and_weeks_only() -> None:
    assert parse_since("30d") == dt.timedelta(days=30)
    assert parse_since("2w") == dt.timedelta(weeks=2)
    with pytest.raises(ValueError):
        parse_since("forever")
