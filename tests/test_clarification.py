"""An unsure model asks instead of guessing, and the clinic sees what it asked: against the real model."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from typing import List

import pytest

from bot.payloads import topic_from_payload, topic_payload
from tests.paths import PROJECT_DIR

pytestmark = pytest.mark.slow

# A word that could ask how many sessions there are, how long one is, what one is like,
# where it happens or how they are planned: the model should ask, offering only these. Which
# of them it ranks first changes between trainings: their scores are close and low. ("the
# sessions" is now answered with the treatment plan, then an offer of the setting.)
UNSURE = "sessions"
PLAUSIBLE = {"during.session_length", "after.number_of_sessions", "during.experience", "during.setting",
             "before.treatment_plan"}
# A vague question with contact details typed after it (contact details alone were answered
# with confidence by some trainings): the report must show the question with them redacted.
UNSURE_WITH_CONTACT = "hmm the medicine sam.lee@example.org / 555 010 9999"


def new_id() -> str:
    return "clarify-" + uuid.uuid4().hex[:10]


def offered(body: dict) -> List[str]:
    prompts = [m for m in body["messages"] if m["kind"] == "prompt"]
    assert prompts, body
    return [t for t in (topic_from_payload(b["payload"]) for b in prompts[0]["buttons"]) if t]


def test_an_unsure_question_gets_a_clarification_with_the_right_buttons(say) -> None:
    body = say(new_id(), UNSURE)
    assert body["fallback"] is True and body["topic"] is None
    topics = offered(body)
    assert 2 <= len(topics) <= 3 and len(set(topics)) == len(topics), topics
    assert set(topics) <= PLAUSIBLE, topics
    prompt = next(m for m in body["messages"] if m["kind"] == "prompt")
    assert prompt["buttons"][-1]["payload"] == "/out_of_scope"  # "Something else"


def test_choosing_a_button_answers_that_topic(say) -> None:
    topics = offered(say(new_id(), UNSURE))
    assert topics
    for topic in topics:
        sender = new_id()
        say(sender, UNSURE)
        body = say(sender, topic_payload(topic))
        assert body["fallback"] is False
        assert body["topic"] == topic
        assert any(m["kind"] == "answer" and m["topic"] == topic for m in body["messages"])


def test_a_clear_question_is_answered_without_asking(say) -> None:
    body = say(new_id(), "how much does a session cost")
    assert body["fallback"] is False and body["topic"] == "clinic.cost"
    assert not [m for m in body["messages"] if m["kind"] == "prompt"]


def test_report_shows_the_question_and_the_pick_without_contact_details(say, settings) -> None:
    sender = new_id()
    body = say(sender, UNSURE_WITH_CONTACT)
    # unsure either way: a clarification, or an answer followed by "Or were you asking about ...?"
    pick = offered(body)[-1]  # the report must show what the visitor chose
    say(sender, topic_payload(pick))
    env = {**os.environ, "KAPBOT_VAR_DIR": str(settings.var_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "report", "--since", "1d"], cwd=PROJECT_DIR, env=env,
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    row = next(line for line in result.stdout.splitlines() if "| hmm the medicine [email]" in line)
    assert f"{pick} (1)" in row.split("|")[-2], row  # the "topics picked" column
    assert "[email]" in row and "[phone]" in row
    assert "sam.lee" not in result.stdout and "010 9999" not in result.stdout
    csv = subprocess.run(
        [sys.executable, "-m", "bot.cli", "report", "--format", "csv"], cwd=PROJECT_DIR, env=env,
        capture_output=True, text=True, timeout=120,
    )
    assert csv.returncode == 0 and csv.stdout.startswith("times,question,")
