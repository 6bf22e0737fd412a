"""The shapes of the patterns files (pydantic), and how several files become one rule set.

Each file under ``bot/safety/patterns/`` is a :class:`PatternFile`: every section is optional,
so a family of rules can live in a file of its own next to the macros only it uses. The files
are merged in load order (see ``bot/safety/loader.py``) into one :class:`PatternSet`; a name
(macro, context, guard, mask, rule, token) defined twice is an error rather than a silent
override, because with several files an override is almost always a copy-paste accident.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from pydantic import BaseModel, validator

from bot.safety.signal import CrisisCategory

_QUOTE_WORDS = "quote every word: a bare off, on, yes or no is read as a boolean"


class _Strict(BaseModel):
    class Config:
        extra = "forbid"


class ContextSpec(_Strict):
    """A yes/no fact about the whole message: any pattern matches, one of the contexts in
    ``any_of`` holds, those in ``all_of`` hold and none of those in ``none_of`` does (each part
    only when given; a context needs patterns, ``any_of`` or ``all_of``)."""

    any: List[str] = []
    any_of: List[str] = []
    all_of: List[str] = []
    none_of: List[str] = []


class GuardSpec(_Strict):
    """Suppresses a match: local patterns hit (if any are given) and the contexts agree."""

    before: List[str] = []  # must match the end of the text just before the match
    after: List[str] = []  # must match the start of the text just after it
    near: List[str] = []  # anywhere within WINDOW characters of it
    context_all: List[str] = []
    context_none: List[str] = []

    @property
    def local(self) -> bool:
        return bool(self.before or self.after or self.near)


class MaskSpec(_Strict):
    name: str
    patterns: List[str]
    context: Optional[str] = None  # a flag raised when the mask matched


class SubjectSpec(_Strict):
    """When a rule's match names a subject rather than a person (suicide as a topic): ``when``
    holds and none of ``unless`` does. Then no one is at risk, and the answer comes with the
    crisis lines as a note instead of the crisis path."""

    when: str
    unless: List[str] = []


class RuleSpec(_Strict):
    name: str
    category: CrisisCategory
    patterns: List[str]
    when: List[str] = []  # contexts that must all hold for the rule to fire at all
    guards: List[str] = []
    unless_before: List[str] = []
    unless_after: List[str] = []
    unless_near: List[str] = []
    subject: Optional[SubjectSpec] = None


class FuzzySpec(_Strict):
    words: List[str]
    never: List[str] = []

    @validator("words", "never", pre=True, each_item=True)
    def only_strings(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError(_QUOTE_WORDS)
        return value


def _strings_only(value: Any) -> Any:
    """YAML reads a bare off/no/yes as a boolean: refuse anything but strings."""
    items = value.items() if isinstance(value, dict) else [(v, v) for v in value or []]
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in items):
        raise ValueError(_QUOTE_WORDS)
    return value


def _unique(names: List[str], what: str) -> None:
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"duplicate {what} names: {dupes}")


class PatternFile(_Strict):
    """One patterns file as written."""

    version: int
    protected_words: List[str] = []  # pairs kept when runs collapse: "off" must not become "of"
    token_map: Dict[str, str] = {}
    symbol_words: Dict[str, str] = {}  # a symbol read as a word: an emoji of laughter is "lol"
    fuzzy: Optional[FuzzySpec] = None
    macros: Dict[str, str] = {}
    contexts: Dict[str, ContextSpec] = {}
    guards: Dict[str, GuardSpec] = {}
    masks: List[MaskSpec] = []
    rules: List[RuleSpec] = []

    _check_strings = validator("protected_words", "token_map", "symbol_words", pre=True,
                               allow_reuse=True)(_strings_only)

    @validator("symbol_words")
    def single_symbols(cls, symbols: Dict[str, str]) -> Dict[str, str]:
        wrong = [k for k in symbols if len(k) != 1 or k.isalnum()]
        if wrong:
            raise ValueError(f"symbol_words keys must be single non-letter characters: {wrong}")
        return symbols

    @validator("rules")
    def unique_rule_names(cls, rules: List[RuleSpec]) -> List[RuleSpec]:
        _unique([r.name for r in rules], "rule")
        return rules


class PatternSet(_Strict):
    """Every file merged, in load order: what the detector is compiled from."""

    protected_words: List[str] = []
    token_map: Dict[str, str] = {}
    symbol_words: Dict[str, str] = {}
    fuzzy: FuzzySpec
    macros: Dict[str, str] = {}
    contexts: Dict[str, ContextSpec] = {}
    guards: Dict[str, GuardSpec] = {}
    masks: List[MaskSpec] = []
    rules: List[RuleSpec]

    @validator("rules")
    def some_rules(cls, rules: List[RuleSpec]) -> List[RuleSpec]:
        if not rules:
            raise ValueError("no rules in any patterns file")
        return rules

    origins: Dict[str, str] = {}  # "rules.<name>", "macros.<name>"...: the file it came from

    def origin(self, item: str) -> str:
        """ "<file>: <item>", for error messages that point at the line to fix."""
        return f"{self.origins[item]}: {item}" if item in self.origins else item

    @classmethod
    def merge(cls, files: Sequence[Tuple[str, PatternFile]]) -> "PatternSet":
        """Concatenate lists and join mappings in order; a name defined twice names both files."""
        merged: Dict[str, Any] = {"protected_words": [], "masks": [], "rules": [], "fuzzy": None,
                                  "token_map": {}, "symbol_words": {}, "macros": {}, "contexts": {},
                                  "guards": {}}
        origins: Dict[str, str] = {}

        def claim(item: str, source: str) -> None:
            if item in origins:
                raise ValueError(f"{source}: {item} is already defined in {origins[item]}")
            origins[item] = source

        for source, part in files:
            merged["protected_words"] += part.protected_words
            if part.fuzzy is not None:
                claim("fuzzy", source)
                merged["fuzzy"] = part.fuzzy
            for section in ("token_map", "symbol_words", "macros", "contexts", "guards"):
                for name, value in getattr(part, section).items():
                    claim(f"{section}.{name}", source)
                    merged[section][name] = value
            for section in ("masks", "rules"):
                for item in getattr(part, section):
                    claim(f"{section}.{item.name}", source)
                    merged[section].append(item)
        if merged["fuzzy"] is None:
            raise ValueError("no patterns file defines fuzzy")
        return cls(**merged, origins=origins)
