"""What a visitor asks in the Rasa client tests, and what they must see, whatever the client's markup."""
from __future__ import annotations

from playwright.sync_api import Locator, expect

QUESTION = "how long is a session?"
ANSWER = "one and two hours"  # in the answer to QUESTION
CRISIS = "i want to kill myself"
DISCLAIMER = "automated assistant"  # the first reply of every new conversation says so


def expect_answer_with_follow_ups(answers: Locator, buttons: Locator) -> Locator:
    """The answer to QUESTION is shown with its follow-up buttons; the first that asks a new question."""
    expect(answers.filter(has_text=ANSWER)).to_be_visible()
    expect(buttons.first).to_be_visible()
    assert buttons.count() >= 2, "the answer offers follow-up questions"
    return buttons.filter(has_not_text="Tell me more").first


def expect_crisis_reply(answers: Locator, clinic_line: str) -> None:
    """The reply to CRISIS is shown: the clinic's line is in it and in no other message."""
    crisis = answers.filter(has_text=clinic_line)
    expect(crisis).to_be_visible()
    expect(crisis).to_contain_text("988")
