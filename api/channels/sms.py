"""Text messaging rules: segments that read well, numbered options, carrier keywords.

- Segments: Twilio takes up to 1600 characters per message, but long
  concatenated SMS arrive out of order or split mid-word on some phones, so
  answers go as ~320-character messages cut at sentence ends (a longer
  sentence stays whole up to the hard limit, then is cut between words).
- Options: SMS has no buttons, so they become "Reply 1 for ..." lines; the
  payloads are remembered per conversation so a later "2" means option 2.
- Keywords: carriers require STOP (and synonyms) to end messages until START,
  and HELP to get a short help text; matched like carriers do, on the whole
  message, case-insensitively.
"""
from __future__ import annotations

import re
from enum import Enum
from typing import Iterable, List, Optional

from api.channels.render import split_text
from bot.content.answers import render_phrase
from bot.content.clinic import Clinic
from bot.content.library import Library

SMS_LIMIT = 1600
SMS_TARGET = 320


def segments(text: str) -> List[str]:
    """An answer as SMS messages (see above for why ~320 characters)."""
    return split_text(text, target=SMS_TARGET, limit=SMS_LIMIT)


def numbered_options(titles: Iterable[str]) -> str:
    return "\n".join(f"Reply {number} for {title}" for number, title in enumerate(titles, start=1))


def pick_option(text: str, payloads: List[str]) -> Optional[str]:
    """The payload of option ``text`` ("2", "2.", " 2 "), or None if it is no option number."""
    match = re.fullmatch(r"\s*(\d{1,2})[.)]?\s*", text)
    if not match:
        return None
    number = int(match.group(1))
    return payloads[number - 1] if 1 <= number <= len(payloads) else None


class Keyword(str, Enum):
    stop = "stop"
    start = "start"
    help = "help"


STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP"})
YES = "YES"  # opts back in only when opted out; otherwise it is an answer like any other
HELP_WORDS = frozenset({"HELP", "INFO"})


def keyword(text: str, opted_out: bool) -> Optional[Keyword]:
    word = re.sub(r"[\s.!]+$", "", text.strip()).upper()
    if word in STOP_WORDS:
        return Keyword.stop
    if word in START_WORDS or (opted_out and word == YES):
        return Keyword.start
    if word in HELP_WORDS:
        return Keyword.help
    return None


def keyword_reply(word: Keyword, library: Library, clinic: Clinic) -> str:
    """The carrier-required answer to STOP, START or HELP (texts in content/phrases.yml)."""
    return render_phrase(library, f"sms_{word.value}", clinic)
