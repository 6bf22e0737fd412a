"""Text normalisation: one canonical form per message, so rules need not spell out variants.

:func:`normalise` gives the readable form (case, quotes, invisible characters). The
:class:`Canonicaliser` goes further, to the form rules match against: no punctuation, letter
runs collapsed, chat spellings mapped and near-misspellings of key words corrected.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, Tuple

from anyascii import anyascii
from rapidfuzz import process
from rapidfuzz.distance import OSA

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "ʼ": "'", "`": "'", "´": "'",
                         "′": "'", "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"'})
SPACES = re.compile(r"\s+")
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s",
         "!": "i", "|": "i", "*": "i"}
_LEET_INSIDE = re.compile(r"(?<=[a-z])[013457@$!|*](?=[a-z])")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_SPELLED_OUT = re.compile(r"\b(?:[a-z] ){3,}[a-z]\b")  # "s u i c i d e"
_RUNS = re.compile(r"([a-z])\1+")
_RUNS3 = re.compile(r"([a-z])\1\1+")
_WITH = re.compile(r"\bw/(o\b)?")  # "w/o" -> without, "w/" -> with
# Latin letters that Unicode does not decompose into a base letter and an accent: without this,
# Polish "połknęła" and Turkish "ilaçları" lost a letter and broke in two.
_UNDECOMPOSED = str.maketrans({"ł": "l", "ı": "i", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d",
                               "þ": "th", "ħ": "h", "ŧ": "t", "ŀ": "l"})


# Letters of scripts other than Latin (Greek and Cyrillic to Hangul, with their vowel signs), so
# rules can be written against one spelling: "хочу умереть" reads "khochu umeret".
_OTHER_SCRIPTS = ((0x0370, 0x1DBF), (0x2C80, 0x2DFF), (0x2E80, 0xA6FF), (0xA800, 0xD7FF), (0xF900, 0xFAFF),
                  (0xFB1D, 0xFDFF), (0xFE70, 0xFEFE))
_OTHER_SCRIPT = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _OTHER_SCRIPTS) + "]+")
# Scripts written without spaces, one syllable or word per character: each stands apart
# ("我想死" reads "wo xiang si"), or a rule could never find a word's edge.
_ONE_PER_CHARACTER = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def romanise(text: str) -> str:
    """Other scripts in Latin letters (anyascii's one spelling per character), the rest as it was."""
    def spelled(run: re.Match[str]) -> str:
        return anyascii(_ONE_PER_CHARACTER.sub(lambda c: f" {c.group()} ", run.group())).lower()
    return _OTHER_SCRIPT.sub(spelled, text)


def load_spellings() -> None:
    """anyascii reads its spellings for each block of 256 characters on first use, 0.3-2 ms each:
    read every block of the other scripts now, not on a visitor's first message in one."""
    anyascii("".join(chr(c) for lo, hi in _OTHER_SCRIPTS for c in range(lo & ~0xFF, hi + 1, 0x100)))


def normalise(text: str) -> str:
    """The readable normal form: NFKC, casefolded, straight quotes, no format characters, other
    scripts in Latin letters."""
    if text.isascii():  # the common case skips three Unicode passes
        return SPACES.sub(" ", text.translate(_QUOTES).lower()).strip()
    text = romanise(unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold())
    text = "".join(c for c in unicodedata.normalize("NFD", text)
                   if unicodedata.category(c) not in ("Cf", "Mn")).translate(_UNDECOMPOSED)
    return SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold_word(word: str, protected: FrozenSet[str]) -> str:
    """Collapse letter runs: "kill" -> "kil", "sooo" -> "so"; protected words keep their pair."""
    squeezed = _RUNS3.sub(r"\1\1", word)
    return squeezed if squeezed in protected else _RUNS.sub(r"\1", word)


class Speller:
    """Corrects tokens within one edit of a short list of key words (two edits for key words of 10+
    letters, from tokens of 9+).

    The distance is optimal string alignment (an adjacent swap counts as one edit), from RapidFuzz.
    """

    def __init__(self, words: List[str], never: Iterable[str]) -> None:
        self.words = words
        self.never = frozenset(never) | frozenset(words)
        # First letters are rarely mistyped, so a token is only compared with key words that share
        # its first letter; grouping by reach too lets one cutoff serve each group.
        self.groups: Dict[Tuple[str, int], Dict[int, str]] = {}
        for i, word in enumerate(words):
            self.groups.setdefault((word[0], self._reach(word)), {})[i] = word
        self.correct = lru_cache(maxsize=16384)(self._correct)

    @staticmethod
    def _reach(word: str) -> int:
        return 2 if len(word) >= 10 else 1

    @staticmethod
    def _reach_of_token(token: str) -> int:
        # Two edits only from a long token too: a shorter real word ("threaten") is not read as
        # a longer key word ("threatened").
        return 2 if len(token) >= 9 else 1

    def _correct(self, token: str) -> str:
        if len(token) < 5 or token in self.never or not token.isalpha():
            return token
        found: List[Tuple[float, int]] = []
        token_reach = self._reach_of_token(token)
        for reach in (1, 2):
            choices = self.groups.get((token[0], reach), {})
            # extractOne keeps the first of equally close words, so ties go to the earlier word.
            match = process.extractOne(token, choices, scorer=OSA.distance, score_cutoff=min(reach, token_reach))
            if match:
                found.append((match[1], match[2]))
        return self.words[min(found)[1]] if found else token


class Canonicaliser:
    """Puts text (and the words of patterns) in the one form rules are written against."""

    def __init__(self, protected_words: Iterable[str], token_map: Mapping[str, str],
                 fuzzy_words: Iterable[str], fuzzy_never: Iterable[str],
                 symbol_words: Optional[Mapping[str, str]] = None) -> None:
        self.protected = frozenset(protected_words)
        # Read before punctuation goes: "murder him 😂" is "murder him lol" to the guards.
        self._symbols = str.maketrans({k: f" {v} " for k, v in (symbol_words or {}).items()})
        keep = "|".join(sorted(map(re.escape, self.protected))) or "(?!)"
        self._fold_re = re.compile(rf"\b(?:{keep})\b|([a-z])\1+")
        self.speller = Speller([self.fold(w) for w in fuzzy_words], [self.fold(w) for w in fuzzy_never])
        self.token_map = {self.fold(k): " ".join(self.fold(w) for w in v.split()) for k, v in token_map.items()}

    def fold(self, word: str) -> str:
        return fold_word(word, self.protected)

    def fold_text(self, text: str) -> str:
        """fold() for every word of a text (runs of 3+ letters already cut to 2), in one pass."""
        return self._fold_re.sub(lambda m: m.group(1) or m.group(), text)

    def canonical(self, text: str) -> str:
        """The matching form, padded with a space each side so every word has one around it."""
        text = _WITH.sub(lambda m: " without " if m.group(1) else " with ", normalise(text))
        text = _LEET_INSIDE.sub(lambda m: _LEET[m.group()], text.replace("'", ""))
        text = _NOT_WORD.sub(" ", text if text.isascii() else text.translate(self._symbols))
        text = _SPELLED_OUT.sub(lambda m: m.group().replace(" ", ""), text)
        text = self.fold_text(_RUNS3.sub(r"\1\1", text))
        words = [self.token_map.get(t) or self.speller.correct(t) for t in text.split()]
        return f" {' '.join(words)} "
