"""SMS rules without the app: segments, numbered options, carrier keywords, button limits."""
from __future__ import annotations

import re

import pytest

from api.channels.buttons import short_title
from api.channels.render import split_text
from api.channels.sms import (
    SMS_LIMIT,
    SMS_TARGET,
    Keyword,
    keyword,
    keyword_reply,
    numbered_options,
    pick_option,
    segments,
)
from bot.content.clinic import Clinic


def words(text: str) -> list:
    return re.split(r"\s+", text.strip())


SENTENCE = "Ketamine-assisted psychotherapy pairs a medicine session with therapy before and after it. "


def test_a_short_answer_is_one_segment() -> None:
    text = "A KAP session usually lasts between one and two hours.\n\nYour care team will tell you more."
    assert segments(text) == [text]


def test_long_answers_split_at_sentence_ends_near_320() -> None:
    text = SENTENCE * 12
    parts = segments(text)
    assert len(parts) > 1
    assert all(len(s) <= SMS_TARGET for s in parts)
    assert all(s.endswith(".") for s in parts)  # never cut mid-sentence
    assert words(" ".join(parts)) == words(text)  # nothing lost or reordered


def test_paragraph_breaks_are_kept_inside_a_segment() -> None:
    text = "First paragraph.\n\nSecond paragraph.\n- a list item\n- another"
    assert segments(text) == [text]


def test_a_sentence_longer_than_the_target_stays_whole() -> None:
    long_sentence = "This sentence " + "goes on and on " * 40 + "until it ends."
    parts = segments("Short one. " + long_sentence)
    assert parts == ["Short one.", long_sentence]
    assert SMS_TARGET < len(long_sentence) <= SMS_LIMIT


def test_nothing_is_ever_over_the_hard_limit() -> None:
    text = "word " * 1000 + "x" * 4000
    parts = segments(text)
    assert all(len(s) <= SMS_LIMIT for s in parts)
    assert "".join(words("".join(parts))) == "".join(words(text))


def test_decimals_and_abbreviated_numbers_do_not_split() -> None:
    parts = split_text("It takes 1.5 hours. Then you rest.", target=20, limit=SMS_LIMIT)
    assert parts == ["It takes 1.5 hours.", "Then you rest."]


def test_numbered_options_and_picking_them() -> None:
    assert numbered_options(["Tell me more", "Prices"]) == "Reply 1 for Tell me more\nReply 2 for Prices"
    payloads = ["/tell_me_more", '/faq{"topic":"clinic.prices"}']
    assert pick_option("2", payloads) == payloads[1]
    assert pick_option(" 1. ", payloads) == payloads[0]
    assert pick_option("3", payloads) is None
    assert pick_option("0", payloads) is None
    assert pick_option("2 hours?", payloads) is None
    assert pick_option("1", []) is None


@pytest.mark.parametrize("text", ["STOP", "stop", " Stop. ", "STOPALL", "unsubscribe", "Cancel", "END", "quit"])
def test_stop_words(text: str) -> None:
    assert keyword(text, opted_out=False) is Keyword.stop


@pytest.mark.parametrize("text", ["START", "unstop", "Start!"])
def test_start_words(text: str) -> None:
    assert keyword(text, opted_out=True) is Keyword.start


def test_yes_opts_in_only_when_opted_out() -> None:
    assert keyword("yes", opted_out=True) is Keyword.start
    assert keyword("yes", opted_out=False) is None


@pytest.mark.parametrize("text", ["HELP", "info", "Help."])
def test_help_words(text: str) -> None:
    assert keyword(text, opted_out=False) is Keyword.help


@pytest.mark.parametrize("text", ["please stop the session", "I need help", "how do I end a session"])
def test_keywords_are_whole_messages_only(text: str) -> None:
    assert keyword(text, opted_out=False) is None


def test_help_text_without_contact_details_still_names_the_clinic_and_crisis_line() -> None:
    from bot.content.library import load_library
    from tests.paths import PROJECT_DIR

    text = keyword_reply(Keyword.help, load_library(PROJECT_DIR / "content"), Clinic(name="Small Clinic"))
    assert text.startswith("Small Clinic:") and "988" in text and "Contact" not in text


def test_titles_are_cut_between_words() -> None:
    assert short_title("Tell me more", 20) == "Tell me more"
    assert short_title("How many sessions will I need?", 20) == "How many sessions\u2026"
    assert len(short_title("Supercalifragilisticexpialidocious", 20)) == 20


def test_a_long_message_is_read_whole() -> None:
    from api.channels.inbound import clean_text

    long = "I have so many questions about the sessions and the cost. " * 20 + "i want to kill myself"
    text = clean_text(long)
    assert text is not None and text.endswith("i want to kill myself")
