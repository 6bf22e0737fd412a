"""A way to a person: the consultation request form, stored only with consent."""
from __future__ import annotations

import uuid

import pytest

from bot.consultations import ConsultationStore, normalise_contact, normalise_name

pytestmark = pytest.mark.slow


@pytest.fixture
def requests(settings) -> ConsultationStore:
    return ConsultationStore(settings.var_dir / "consultations.db")


def new_id() -> str:
    return "consult-" + uuid.uuid4().hex[:10]


def last_text(body: dict) -> str:
    return body["messages"][-1]["text"]


def test_talk_to_someone_gives_contact_and_offers_a_request(say, settings) -> None:
    from bot.clinic import load_clinic

    body = say(new_id(), "can I talk to a real person please")
    assert body["topic"] in ("meta.human", "clinic.contact")
    answer = next(m for m in body["messages"] if m["kind"] == "answer")
    assert load_clinic(settings.clinic_file).contact.phone in answer["text"]
    assert any(b["payload"] == "/request_consultation" for b in answer["buttons"])


def test_happy_path_with_an_invalid_contact_re_asked(say, requests) -> None:
    sender = new_id()
    assert "What name" in last_text(say(sender, "please have someone from the clinic call me"))
    assert "phone number or email" in last_text(say(sender, "Sam Rivera"))
    assert "doesn't look like a phone number" in " ".join(m["text"] for m in say(sender, "call me maybe")["messages"])
    consent = say(sender, "(555) 010-9999")["messages"][-1]
    assert "agree" in consent["text"] and consent["buttons"][0]["payload"] == "/affirm"
    assert "has been sent" in last_text(say(sender, "/affirm"))
    stored = [r for r in requests.all() if r.conversation_id == sender]
    assert len(stored) == 1 and stored[0].name == "Sam Rivera" and stored[0].contact == "5550109999"


def test_no_consent_stores_nothing(say, requests) -> None:
    sender = new_id()
    say(sender, "/request_consultation")
    say(sender, "Alex")
    say(sender, "alex@example.com")
    assert "haven't kept" in last_text(say(sender, "/deny"))
    assert [r for r in requests.all() if r.conversation_id == sender] == []


@pytest.mark.parametrize("step", [0, 1, 2])
def test_cancel_at_any_step(say, requests, step) -> None:
    sender = new_id()
    say(sender, "/request_consultation")
    for answer in ["Jordan", "555 010 1234"][:step]:
        say(sender, answer)
    assert "stopped" in last_text(say(sender, "cancel"))
    assert [r for r in requests.all() if r.conversation_id == sender] == []
    # The conversation goes on normally afterwards.
    assert say(sender, "how long is a session")["topic"] == "during.session_length"


@pytest.mark.parametrize("raw, expected", [("555 010 4477", "5550104477"), ("+1 (555) 010-4477", "+15550104477"),
                                           ("Sam@Example.org", "sam@example.org"), ("hello", None), ("12", None)])
def test_contact_validation(raw, expected) -> None:
    assert normalise_contact(raw) == expected


@pytest.mark.parametrize("raw, ok", [("Sam", True), ("  Mary   Ann ", True), ("", False), ("12345", False), ("a@b.c", False), ("how long is a session?", False)])
def test_name_validation(raw, ok) -> None:
    assert (normalise_name(raw) is not None) is ok
