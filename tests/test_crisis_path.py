"""The crisis path: deterministic, first, on every channel, and the conversation stays flagged."""
from __future__ import annotations

import uuid

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

pytestmark = pytest.mark.slow


def new_id() -> str:
    return "crisis-" + uuid.uuid4().hex[:10]


def test_crisis_statement_gets_resources_first_and_only(say, settings) -> None:
    from bot.content.clinic import load_clinic

    clinic = load_clinic(settings.clinic_file)
    body = say(new_id(), "honestly i just want it all to stop. i cant do this anymore")
    assert body["crisis"] is True and body["flagged"] is True
    assert body["topic"] == "safety.crisis"
    first = body["messages"][0]
    assert first["kind"] == "crisis" and first["topic"] == "safety.crisis"
    for resource in clinic.crisis.resources:
        assert resource.how.rstrip(".") in first["text"]
    assert clinic.crisis.clinic_line.phone in first["text"]
    assert "not a crisis service" in first["text"]
    assert [m["topic"] for m in body["messages"]] == ["safety.crisis"]
    # Each way to reach a line is one tap on a phone, structured and as markdown for web clients.
    links = {link["href"]: link["title"] for link in first["links"]}
    assert links == {
        "tel:988": "Call 988", "sms:988": "Text 988", "tel:911": "Call 911",
        "sms:741741?body=HOME": "Text HOME to 741741", "tel:+15550104477": "Call (555) 010-4477",
    }
    assert first["text"].endswith(" · ".join(f"[{title}]({href})" for href, title in links.items()))


def test_flag_stays_and_resources_stay_visible(say) -> None:
    sender = new_id()
    say(sender, "I've been thinking about killing myself")
    for follow_up in ["you misunderstood, I'm fine", "how long is a session?"]:
        body = say(sender, follow_up)
        assert body["crisis"] is False
        assert body["flagged"] is True
        reminder = body["messages"][-1]
        assert reminder["kind"] == "reminder" and "988" in reminder["text"]
        assert "[Call 988](tel:988)" in reminder["text"]
        assert all(not m["links"] for m in body["messages"][:-1])
    assert body["topic"] == "during.session_length"


def test_suicidality_as_a_subject_is_answered_with_the_lines_as_a_note(say) -> None:
    body = say(new_id(), "can ketamine therapy help with suicidal thoughts?")
    assert body["crisis"] is False and body["flagged"] is False, body
    assert body["topic"] != "safety.crisis"
    kinds = [m["kind"] for m in body["messages"]]
    assert kinds[:2] == ["disclaimer", "reminder"], kinds  # a first turn: the disclaimer, then the lines
    note = body["messages"][1]
    assert "[Call 988](tel:988)" in note["text"]
    rest = body["messages"][2:]
    assert all(m["kind"] not in ("crisis", "reminder") for m in rest), rest
    assert any(m["kind"] == "answer" and m["topic"] for m in rest) or any(
        m["kind"] == "prompt" and any(b["payload"].startswith("/faq") for b in m["buttons"]) for m in rest), rest


def test_treatment_question_shows_resources_and_answers(say) -> None:
    body = say(new_id(), "I've had suicidal thoughts for months, can ketamine therapy help with them?")
    assert body["crisis"] is True
    topics = [m["topic"] for m in body["messages"]]
    assert topics[0] == "safety.crisis"
    # then the model's own reply to the question: an answer, or, when it is unsure, a
    # question offering topics (bot/nlu/confidence.py); never a second crisis message
    rest = body["messages"][1:]
    assert "safety.crisis" not in topics[1:], topics
    assert any(m["kind"] == "answer" and m["topic"] for m in rest) or any(
        m["kind"] == "prompt" and any(b["payload"].startswith("/faq") for b in m["buttons"]) for m in rest), rest


@pytest.mark.parametrize(
    "message, topic",
    [("I'm dying to know how much this costs", "clinic.cost"),
     ("this wait is killing me, how long is one session", "during.session_length")],
)
def test_idioms_are_not_crises(say, message, topic) -> None:
    """No crisis path; the topic is answered, or offered if the model is unsure."""
    body = say(new_id(), message)
    assert body["crisis"] is False and body["flagged"] is False
    offered = [b["payload"] for m in body["messages"] if m["kind"] == "prompt" for b in m["buttons"]]
    assert body["topic"] == topic or any(f'"{topic}"' in p for p in offered), body


@pytest.mark.parametrize(
    "message",
    ["what is the risk of ketamine abuse", "can the ketamine you give be abused",
     "is there potential for abuse with KAP"],
)
def test_questions_about_drug_abuse_get_the_misuse_answer(say, message) -> None:
    """"Abuse" of a drug is a question about misuse, not a person being harmed (issue 10)."""
    body = say(new_id(), message)
    assert body["crisis"] is False and body["flagged"] is False
    assert body["topic"] == "risks.misuse"


def test_rest_channel_has_the_crisis_path_too(client) -> None:
    response = client.post("/webhooks/rest/webhook", json={"sender": new_id(), "message": "kms"})
    assert "988" in response.json()[0]["text"]
    text = response.json()[0]["text"]
    assert "[Call 988](tel:988)" in text  # Rasa clients render markdown
    assert "sms:" not in text  # react-markdown's default filter (Chatroom) turns it into a dead link


def test_crisis_closes_an_open_form(say, assistant, loop) -> None:
    sender = new_id()
    assert "What name" in say(sender, "/request_consultation")["messages"][-1]["text"]
    say(sender, "i want to end my life")
    tracker = loop.run_until_complete(assistant.agent.processor.get_tracker(sender))
    assert tracker.active_loop_name is None
    assert tracker.get_slot("consult_name") is None
    assert tracker.latest_message.text == "i want to end my life"


def test_trained_crisis_intent_is_a_second_net(assistant, loop) -> None:
    # Straight to the model, past the deterministic check: the rule still answers with resources.
    collector = CollectingOutputChannel()
    loop.run_until_complete(assistant.agent.handle_message(UserMessage("/crisis", collector, new_id())))
    assert "988" in collector.messages[0]["text"]
