"""The canonical form every message is matched in: case, width, accents, leetspeak, repeated
letters, chat spellings and near-misspellings of key words."""
from __future__ import annotations

import re

import pytest

from bot.safety import (
    CrisisCategory,
    canonical,
    normalise,
)
from bot.safety.text import Speller
from tests.safety.verdicts import outcome


@pytest.mark.parametrize("raw, expected", [
    ("I\u2019m sooooo done", "im so done"),
    ("i want to d\u200bie", "i want to die"),
    ("\uff49 \uff57\uff41\uff4e\uff54 \uff54\uff4f \uff44\uff49\uff45", "i want to die"),
    ("dont   wanna\n\tlive", "dont want to live"),
    ("k1ll mys3lf", "kil myself"),
    ("sucide", "suicide"),
    ("suicidle", "suicide"),
    ("I'd be better off", "id be beter off"),
    ("ＫＭＳ", "kms"),
    ("Połknęła wszystkie leki", "polknela wszystkie leki"),  # letters Unicode does not decompose
    ("ilaçları topladım", "ilaclari topladim"),
])
def test_canonical_form(raw: str, expected: str) -> None:
    assert canonical(raw) == expected


@pytest.mark.parametrize("typed, read", [
    ("mysef", "myself"),  # a letter missing
    ("suiciide", "suicide"),  # a letter too many
    ("overdoze", "overdose"),  # a letter changed
    ("suicdie", "suicide"),  # two letters swapped: one edit
    ("esketamnie", "esketamine"),
    ("unrsponsve", "unresponsive"),  # two edits, allowed from ten letters on
    ("sucde", "sucde"),  # two edits from a seven-letter word: too far
    ("threaten", "threaten"),  # two edits from "threatened", but a real word of eight letters
    ("zuicide", "zuicide"),  # a different first letter
    ("wrsts", "wrists"),
])
def test_the_speller_corrects_near_misses_of_key_words(typed: str, read: str) -> None:
    assert canonical(typed) == read


def test_the_speller_keeps_short_tokens_and_prefers_the_earlier_of_equal_words() -> None:
    speller = Speller(["abcdef", "abcdeg", "wxyz"], never=["abcdez"])
    assert speller.correct("abcdex") == "abcdef"
    assert speller.correct("abcdez") == "abcdez"  # a real word, listed as never corrected
    assert speller.correct("wxyy") == "wxyy"  # under five letters
    assert speller.correct("abcd3f") == "abcd3f"  # not all letters


@pytest.mark.parametrize("word", ["struggling", "breaking", "homeless", "overdone", "overused",
                                  "amusing", "prison", "stranger", "threaded", "herself"])
def test_common_words_are_never_corrected_into_key_words(word: str) -> None:
    assert canonical(word) == re.sub(r"([a-z])\1+", r"\1", word)


@pytest.mark.parametrize("word", ["off", "odd", "good", "noose", "shoot", "soon"])
def test_protected_words_keep_their_double_letter(word: str) -> None:
    # Collapsed, they would be other words the rules care about: of, od, god, nose, shot, son.
    stretched = re.sub(r"([a-z])\1", r"\1\1\1\1", word, count=1)  # "nooooose"
    assert canonical(word) == word and canonical(stretched) == word


def test_protected_words_do_not_change_outcomes() -> None:
    assert outcome("my boyfriend broke my nose") is CrisisCategory.abuse
    assert outcome("I'm odd, is KAP for weird people too?") is None


def test_normalise_keeps_text_readable() -> None:
    assert normalise("  I\u2019M   “Fine”\u200b ") == "i'm \"fine\""


def test_other_scripts_read_in_latin_letters() -> None:
    """Rules are written once, in Latin letters: Cyrillic, Greek and Devanagari read letter by letter,
    and scripts written without spaces one syllable per character, so a word has an edge."""
    assert normalise("Хочу умереть") == "khochu umeret'"
    assert normalise("θέλω να πεθάνω") == "thelo na pethano"
    assert normalise("我不想活了") == "wo bu xiang huo le"
    assert normalise("죽고 싶어") == "jug go sip eo"
    # Latin letters with accents and emoji are left as they were.
    assert normalise("Tôi muốn chết 😭") == "toi muon chet 😭"
