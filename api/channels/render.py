"""Turning a bot message into what a client shows: markdown for web clients,
sentence-cut parts for text channels with a length limit.

One place for both, so every channel shows the same answer the same way;
the channel adapters only choose the limits and the link kinds.
"""
from __future__ import annotations

import re
from typing import Iterable, List, Tuple

from bot.content.action_links import LinkKind, with_markdown_links
from bot.engine import BotMessage

# After a sentence end (with closing quotes/brackets) or at line breaks.
_BREAK = re.compile(r"(?<=[.!?\u2026])[\"'\u2019\u201d)\]]*[ \t]+|\s*\n\s*")


def web_text(message: BotMessage, kinds: Iterable[LinkKind] = tuple(LinkKind)) -> str:
    """The text web clients show: crisis lines as markdown links they render as tap targets."""
    return with_markdown_links(message.text, message.links, kinds)


def _pieces(text: str) -> List[Tuple[str, str]]:
    """(sentence, separator before it) pairs; separators are " ", "\\n" or "\\n\\n"."""
    pieces: List[Tuple[str, str]] = []
    start, separator = 0, ""
    for match in _BREAK.finditer(text):
        end = match.start() + len(match.group(0).rstrip(" \t\n"))
        if text[start:end].strip():
            pieces.append((text[start:end].strip(), separator))
        gap = match.group(0)
        separator = "\n\n" if gap.count("\n") > 1 else ("\n" if "\n" in gap else " ")
        start = match.end()
    if text[start:].strip():
        pieces.append((text[start:].strip(), separator))
    return pieces


def _cut_words(sentence: str, limit: int) -> List[str]:
    """A sentence over the hard limit, cut between words (inside a word if it must)."""
    parts: List[str] = []
    while len(sentence) > limit:
        cut = sentence.rfind(" ", 0, limit + 1)
        cut = cut if cut > 0 else limit
        parts.append(sentence[:cut].rstrip())
        sentence = sentence[cut:].lstrip()
    return parts + ([sentence] if sentence else [])


def split_text(text: str, target: int, limit: int) -> List[str]:
    """Messages of about ``target`` characters, cut at sentence ends, none over ``limit``."""
    segments: List[str] = []
    current = ""
    for sentence, separator in _pieces(text):
        for part in _cut_words(sentence, limit):
            joined = f"{current}{separator or ' '}{part}" if current else part
            if len(joined) <= target or (not current and len(joined) <= limit):
                current = joined
            else:
                segments.append(current)
                current = part
            separator = " "
    if current:
        segments.append(current)
    return segments
