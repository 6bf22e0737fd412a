"""Deterministic crisis detection: runs on every message before any model sees it.

``detect_crisis(text)`` returns a :class:`CrisisSignal` (what kind of crisis, the name of the
rule that matched, whether the message also asks about the treatment) or ``None``. It is rules
only: the same text always gives the same answer, it never depends on model confidence, it
makes no network calls, and a typical message takes a fraction of a millisecond.

How a message is matched
------------------------
1. :func:`canonical` puts it in one form: Unicode NFKC, casefolded, accents and zero-width or
   other format characters removed, curly quotes straightened and apostrophes deleted ("don't",
   "dont" and "don’t" are the same word), leetspeak inside words undone ("k1ll", "su!cide"),
   other punctuation turned into spaces, whitespace collapsed, every run of a repeated letter
   collapsed to one ("sooooo" -> "so"; "kill" and "kil" -> "kil"), chat spellings mapped
   ("wanna" -> "want to") and near-misspellings of a few key words corrected by edit distance
   ("sucide", "suicidle" -> "suicide").
2. ``masks`` from the patterns file blank out spans that must not trigger anything (clear
   denials such as "I'm not suicidal", another person's past suicide, "career suicide"); a mask
   may also raise a context flag that rules consult.
3. ``rules`` are tried in file order (medical emergency, self-harm, harm to others, abuse);
   the first match that none of its guards suppresses is the answer.

Patterns, word lists and guards are data in ``bot/safety_patterns.yml``, read and compiled
once (call :func:`warm_up` at start-up). Punctuation never changes the result, because the
canonical form has none; only the ``asks_about_treatment`` flag looks at "?" (to tell a
question from a statement).

Decisions (pinned in tests/test_safety.py)
------------------------------------------
- A clear denial masks only itself: "I'm not suicidal, just curious" is no crisis, but "I'm not
  suicidal but I think about dying every day" is. "Not actively suicidal" is not a denial.
- The past counts as past only when it is clearly over: "I used to self-harm years ago but I'm
  fine now" is no crisis; "I used to feel suicidal" (no sign it ended) and "I used to cut, lately
  the urges are back" are.
- A question about the treatment that mentions suicidality or self-harm always gets a signal,
  with ``asks_about_treatment`` set, so resources are shown AND the question answered. A medical
  emergency never sets the flag: the answer to "I took a bunch of pills, is that a problem for
  my appointment?" is to call for help.
- Past abuse asked about as a treatment question is no crisis ("my dad beat me as a kid, can
  KAP help with the trauma?"); abuse in the present tense, or recent, always is.
- Another person's past suicide is grief, not danger ("my brother died by suicide"); another
  person at risk now is a crisis (category self_harm).
- Informational mentions ("suicide rates in depression") are no crisis unless they come with a
  question about the treatment.
"""
from __future__ import annotations

import re
import unicodedata
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, FrozenSet, List, Optional, Pattern, Tuple

import yaml
from pydantic import BaseModel, ValidationError, validator

from bot.errors import ConfigError

try:  # the regex parser, used to find each pattern's required words: re._parser from 3.11
    import re._parser as _sre  # type: ignore[import]
except ImportError:  # Python 3.10: sre_parse
    import sre_parse as _sre  # type: ignore[no-redef]

PATTERNS_FILE = Path(__file__).with_name("safety_patterns.yml")
_WINDOW = 80  # characters of context that guards look at on each side of a match


class CrisisCategory(str, Enum):
    self_harm = "self_harm"  # suicide or self-harm thoughts, plans, intent
    harm_to_others = "harm_to_others"
    abuse = "abuse"  # abuse or violence at home / being hurt by someone
    medical_emergency = "medical_emergency"  # overdose, can't breathe, chest pain, unresponsive


class CrisisSignal(BaseModel):
    category: CrisisCategory
    rule: str  # the name of the rule that matched (for tests and audit, never the text)
    asks_about_treatment: bool  # also a question about the treatment: show resources AND answer

    class Config:
        allow_mutation = False
        extra = "forbid"


# --------------------------------------------------------------------------- the file's shape
class _Strict(BaseModel):
    class Config:
        extra = "forbid"


class ContextSpec(_Strict):
    """A yes/no fact about the whole message: any pattern matches, and the named contexts hold."""

    any: List[str] = []
    all_of: List[str] = []


class GuardSpec(_Strict):
    """Suppresses a match: local patterns hit (if any are given) and the contexts agree."""

    before: List[str] = []  # must match the end of the text just before the match
    after: List[str] = []  # must match the start of the text just after it
    near: List[str] = []  # anywhere within _WINDOW characters of it
    context_all: List[str] = []
    context_none: List[str] = []

    @property
    def local(self) -> bool:
        return bool(self.before or self.after or self.near)


class MaskSpec(_Strict):
    name: str
    patterns: List[str]
    context: Optional[str] = None  # a flag raised when the mask matched


class RuleSpec(_Strict):
    name: str
    category: CrisisCategory
    patterns: List[str]
    guards: List[str] = []
    unless_before: List[str] = []
    unless_after: List[str] = []
    unless_near: List[str] = []


class FuzzySpec(_Strict):
    words: List[str]
    never: List[str] = []

    @validator("words", "never", pre=True, each_item=True)
    def only_strings(cls, value):
        if not isinstance(value, str):
            raise ValueError("quote every word: a bare off, on, yes or no is read as a boolean")
        return value


class PatternFile(_Strict):
    version: int
    protected_words: List[str] = []  # pairs kept when runs collapse: "off" must not become "of"
    token_map: Dict[str, str] = {}
    fuzzy: FuzzySpec
    macros: Dict[str, str] = {}
    contexts: Dict[str, ContextSpec] = {}
    guards: Dict[str, GuardSpec] = {}
    masks: List[MaskSpec] = []
    rules: List[RuleSpec]

    @validator("protected_words", "token_map", pre=True)
    def only_strings(cls, value):  # YAML reads a bare off/no/yes as a boolean
        items = value.items() if isinstance(value, dict) else [(v, v) for v in value]
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in items):
            raise ValueError("quote every word: a bare off, on, yes or no is read as a boolean")
        return value

    @validator("rules")
    def unique_names(cls, rules: List[RuleSpec]) -> List[RuleSpec]:
        names = [r.name for r in rules]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate rule names: {dupes}")
        return rules


# --------------------------------------------------------------------------- normalisation
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "ʼ": "'", "`": "'", "´": "'",
                         "′": "'", "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"'})
_SPACES = re.compile(r"\s+")
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s",
         "!": "i", "|": "i", "*": "i"}
_LEET_INSIDE = re.compile(r"(?<=[a-z])[013457@$!|*](?=[a-z])")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_SPELLED_OUT = re.compile(r"\b(?:[a-z] ){3,}[a-z]\b")  # "s u i c i d e"
_RUNS = re.compile(r"([a-z])\1+")
_RUNS3 = re.compile(r"([a-z])\1\1+")
_ESCAPE = re.compile(r"\\.")
_LETTERS = re.compile(r"[a-z]+")
_MACRO = re.compile(r"\{([a-z_]+)\}")
_WITH = re.compile(r"\bw/(o\b)?")  # "w/o" -> without, "w/" -> with


def normalise(text: str) -> str:
    """The readable normal form: NFKC, casefolded, straight quotes, no format characters."""
    if text.isascii():
        return _SPACES.sub(" ", text.translate(_QUOTES).lower()).strip()
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    text = "".join(c for c in unicodedata.normalize("NFD", text)
                   if unicodedata.category(c) not in ("Cf", "Mn"))
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _fold_word(word: str, protected: frozenset) -> str:
    """Collapse letter runs: "kill" -> "kil", "sooo" -> "so"; protected words keep their pair."""
    squeezed = _RUNS3.sub(r"\1\1", word)
    return squeezed if squeezed in protected else _RUNS.sub(r"\1", word)


def _osa_distance(a: str, b: str) -> int:
    """Edit distance counting an adjacent swap as one edit (optimal string alignment)."""
    prev2, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _deletes(word: str, depth: int) -> set:
    found, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


class _Speller:
    """Corrects tokens within one edit (two for 10+ letters) of a short list of key words."""

    def __init__(self, words: List[str], never: List[str]) -> None:
        self.words = words
        self.never = frozenset(never) | frozenset(words)
        self.index: Dict[str, List[int]] = {}
        for i, word in enumerate(words):
            for variant in _deletes(word, self._reach(word)):
                self.index.setdefault(variant, []).append(i)
        self.correct = lru_cache(maxsize=16384)(self._correct)

    @staticmethod
    def _reach(word: str) -> int:
        return 2 if len(word) >= 10 else 1

    def _correct(self, token: str) -> str:
        if len(token) < 5 or token in self.never or not token.isalpha():
            return token
        best: Optional[Tuple[int, int]] = None
        for variant in _deletes(token, 2 if len(token) >= 8 else 1):
            for i in self.index.get(variant, ()):
                word = self.words[i]
                if word[0] != token[0]:
                    continue
                distance = _osa_distance(token, word)
                if distance <= self._reach(word) and (best is None or (distance, i) < best):
                    best = (distance, i)
        return self.words[best[1]] if best else token


# --------------------------------------------------------------------------- prefilter
_COMMON = frozenset("""a about an and are as at be but can cant do dont feel for from get have how i if im
in is it just know like me my no not of on or out so that the this to up want was we what when with
would you your""".split())


def _minimal(strings: FrozenSet[str]) -> FrozenSet[str]:
    """Drop strings that contain another one: if "kill" must occur, so must "kil"."""
    lengths = sorted({len(s) for s in strings})
    return frozenset(s for s in strings if not any(
        s[i:i + n] in strings for n in lengths if n < len(s) for i in range(len(s) - n + 1)))


def _literal_options(op, av) -> Optional[List[str]]:
    """The strings a literal-only item can match (a character, a set of them, a word list)."""
    if op is _sre.LITERAL:
        return [chr(av)]
    if op is _sre.IN and all(o is _sre.LITERAL for o, _ in av):
        return [chr(a) for _, a in av]
    if op is _sre.BRANCH and all(b and all(o is _sre.LITERAL for o, _ in b) for b in av[1]):
        return ["".join(chr(a) for _, a in b) for b in av[1]]
    if op is _sre.SUBPATTERN and len(av[-1]) == 1:
        return _literal_options(*av[-1][0])
    return None


def _required_literals(items) -> Optional[FrozenSet[str]]:
    """Literal strings one of which every match of the parsed pattern contains (None: unknown).

    Lets a pattern be skipped with a few substring tests when none of its words is in the text;
    the regex engine would otherwise try every alternative at every word boundary. A literal
    that the pattern bounds with \\b is padded with spaces (the canonical text is " a b c ").
    """
    items = list(items)
    candidates: List[FrozenSet[str]] = []
    run: List[str] = []
    run_start = 0

    def bounded(i: int) -> bool:
        return 0 <= i < len(items) and items[i] == (_sre.AT, _sre.AT_BOUNDARY)

    def close(end: int) -> None:
        if run:
            left, right = bounded(run_start - 1), bounded(end)
            candidates.append(frozenset(
                (" " if left and t[0].isalnum() else "") + t + (" " if right and t[-1].isalnum() else "")
                for t in run))

    for i, (op, av) in enumerate(items):
        options = _literal_options(op, av)
        if options is not None and len(run) * len(options) <= 64:
            run, run_start = ([a + b for a in run for b in options] if run else options), (run_start if run else i)
            continue
        close(i)
        run = []
        if options is not None:
            run, run_start = options, i
            continue
        found: Optional[FrozenSet[str]] = None
        if op is _sre.SUBPATTERN:
            found = _required_literals(av[-1])
        elif op is _sre.BRANCH:
            branches = [_required_literals(b) for b in av[1]]
            if all(branches):
                found = frozenset().union(*branches)  # type: ignore[arg-type]
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] >= 1:
            found = _required_literals(av[2])
        if found:
            candidates.append(_minimal(found))
    close(len(items))
    if not candidates:
        return None
    return max(candidates, key=lambda c: (not any(len(t.strip()) < 3 or t.strip() in _COMMON for t in c),
                                          min(map(len, c)), -len(c)))


# --------------------------------------------------------------------------- compiled rules
class _Guard:
    def __init__(self, spec: GuardSpec, compile_: Callable[[str], Pattern]) -> None:
        def join(patterns: List[str], template: str) -> Optional[Pattern]:
            return compile_(template.format("|".join(f"(?:{p})" for p in patterns))) if patterns else None

        self.before = join(spec.before, r"\b(?:{})$")
        self.after = join(spec.after, r"^(?:{})\b")
        self.near = join(spec.near, "(?:{})")
        self.local = spec.local
        self.context_all, self.context_none = spec.context_all, spec.context_none

    def suppresses(self, text: str, m: "re.Match", context: Callable[[str], bool]) -> bool:
        if self.local:
            start, end = m.span()
            hit = ((self.before and self.before.search(text[max(0, start - _WINDOW):start].rstrip()))
                   or (self.after and self.after.search(text[end:end + _WINDOW].lstrip()))
                   or (self.near and self.near.search(text[max(0, start - _WINDOW):end + _WINDOW])))
            if not hit:
                return False
        return all(context(c) for c in self.context_all) and not any(context(c) for c in self.context_none)


class _Pattern:
    """A compiled pattern and the literals one of which its every match contains."""

    def __init__(self, pattern: Pattern) -> None:
        self.pattern = pattern
        self.triggers = _required_literals(_sre.parse(pattern.pattern))
        self.keys: Optional[FrozenSet[str]] = None  # set by _Detector: shortest forms of triggers

    def may_match(self, present: FrozenSet[str]) -> bool:
        return self.keys is None or not self.keys.isdisjoint(present)


class _Rule:
    def __init__(self, spec: RuleSpec, patterns: List[Pattern], guards: List[_Guard]) -> None:
        self.name, self.category, self.guards = spec.name, spec.category, guards
        self.patterns = [_Pattern(p) for p in patterns]
        self.keys: Optional[FrozenSet[str]] = None  # set by _Detector: union of the patterns' keys

    def matches(self, text: str, present: FrozenSet[str], context: Callable[[str], bool]) -> bool:
        """Is there a match that no guard suppresses? (Suppressed: look again one place on.)"""
        if self.keys is not None and self.keys.isdisjoint(present):
            return False
        for candidate in self.patterns:
            if not candidate.may_match(present):
                continue
            pos = 0
            while True:
                m = candidate.pattern.search(text, pos)
                if not m:
                    break
                if not any(g.suppresses(text, m, context) for g in self.guards):
                    return True
                pos = m.start() + 1
        return False


class _Detector:
    def __init__(self, spec: PatternFile) -> None:
        self.protected = frozenset(spec.protected_words)
        keep = "|".join(sorted(map(re.escape, self.protected))) or "(?!)"
        self._fold_re = re.compile(rf"\b(?:{keep})\b|([a-z])\1+")
        self.speller = _Speller([self.fold(w) for w in spec.fuzzy.words],
                                [self.fold(w) for w in spec.fuzzy.never])
        self.token_map = {self.fold(k): " ".join(self.fold(w) for w in v.split())
                          for k, v in spec.token_map.items()}
        self.macros = spec.macros
        self.contexts = {name: (self._any(c.any), c.all_of) for name, c in spec.contexts.items()}
        guards = {name: _Guard(g, self.compile) for name, g in spec.guards.items()}
        self.masks = [([_Pattern(self.compile(p)) for p in m.patterns], m.context) for m in spec.masks]
        known = set(self.contexts) | {m.context for m in spec.masks if m.context}
        for name, g in spec.guards.items():
            for c in g.context_all + g.context_none:
                if c not in known:
                    raise ConfigError(f"guards.{name}: unknown context {c!r}")
        self.rules: List[_Rule] = []
        for r in spec.rules:
            missing = [g for g in r.guards if g not in guards]
            if missing:
                raise ConfigError(f"rules.{r.name}: unknown guards {missing}")
            own = [guards[g] for g in r.guards]
            if r.unless_before or r.unless_after or r.unless_near:
                own.append(_Guard(GuardSpec(before=r.unless_before, after=r.unless_after, near=r.unless_near),
                                  self.compile))
            self.rules.append(_Rule(r, [self.compile(p) for p in r.patterns], own))
        # Prefilter keys: the shortest trigger literals; a pattern is tried only if one of the
        # keys inside its triggers occurs in the text (one substring test per key per message).
        patterns = [p for r in self.rules for p in r.patterns] + [p for ps, _ in self.masks for p in ps]
        literals = frozenset().union(*(p.triggers or () for p in patterns))
        short = frozenset(t for t in literals if len(t.strip()) < 3)  # keys only for themselves
        self.keys = sorted(_minimal(literals - short) | short)
        self.key_index: Dict[str, List[str]] = {}  # keys by their first three characters
        for key in self.keys:
            self.key_index.setdefault(key[:3], []).append(key)
        self.short_keys = [k for k in self.keys if len(k) < 3]  # always tested
        for p in patterns:
            if p.triggers:
                p.keys = frozenset().union(*(self.present_keys(t, short_keys=False) for t in p.triggers))
                p.keys |= p.triggers & short
        for rule in self.rules:  # a rule is skipped outright when none of its patterns may match
            rule.keys = (None if any(p.keys is None for p in rule.patterns)
                         else frozenset().union(*(p.keys for p in rule.patterns)))  # type: ignore[misc]
        self.treatment = self.compile(r"\b(?:{treatment}|{clinic_noun})\b")

    # -- patterns are written in ordinary spelling and folded like the text they match
    def fold(self, word: str) -> str:
        return _fold_word(word, self.protected)

    def fold_text(self, text: str) -> str:
        """fold() for every word of a text (runs of 3+ letters already cut to 2), in one pass."""
        return self._fold_re.sub(lambda m: m.group(1) or m.group(), text)

    def compile(self, source: str) -> Pattern:
        for _ in range(5):
            source = _MACRO.sub(lambda m: self._macro(m.group(1)), source)
        escapes: List[str] = []
        source = _ESCAPE.sub(lambda m: escapes.append(m.group()) or f"\x00{len(escapes) - 1}\x01", source)
        source = _LETTERS.sub(lambda m: self.fold(m.group()), source)
        source = re.sub("\x00(\\d+)\x01", lambda m: escapes[int(m.group(1))], source)
        try:
            return re.compile(source)
        except re.error as exc:
            raise ConfigError(f"bad pattern ({exc}): {source[:120]}") from exc

    def _macro(self, name: str) -> str:
        if name not in self.macros:
            raise ConfigError(f"unknown macro {{{name}}}")
        return self.macros[name]

    def _any(self, patterns: List[str]) -> Optional[Pattern]:
        return self.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None

    # -- text
    def canonical(self, text: str) -> str:
        text = _WITH.sub(lambda m: " without " if m.group(1) else " with ", normalise(text))
        text = _LEET_INSIDE.sub(lambda m: _LEET[m.group()], text.replace("'", ""))
        text = _NOT_WORD.sub(" ", text)
        text = _SPELLED_OUT.sub(lambda m: m.group().replace(" ", ""), text)
        text = self.fold_text(_RUNS3.sub(r"\1\1", text))
        words = [self.token_map.get(t) or self.speller.correct(t) for t in text.split()]
        return f" {' '.join(words)} "

    def present_keys(self, text: str, short_keys: bool = True) -> FrozenSet[str]:
        """The prefilter keys that occur in the text (looked up by the text's 3-grams)."""
        grams = {text[i:i + 3] for i in range(len(text) - 2)}
        found = [k for g in grams for k in self.key_index.get(g, ()) if k in text]
        return frozenset(found + [k for k in self.short_keys if short_keys and k in text])

    def context_of(self, text: str, flags: Dict[str, bool]) -> Callable[[str], bool]:
        def holds(name: str) -> bool:
            if name not in flags:
                pattern, all_of = self.contexts.get(name, (None, []))
                flags[name] = ((pattern is None or bool(pattern.search(text)))
                               and all(holds(c) for c in all_of)
                               and (pattern is not None or bool(all_of)))
            return flags[name]
        return holds

    def detect(self, text: str) -> Optional[_Rule]:
        canon = self.canonical(text)
        present = self.present_keys(canon)
        flags: Dict[str, bool] = {}
        for patterns, flag in self.masks:
            for mask in patterns:
                if mask.may_match(present):
                    canon, hits = mask.pattern.subn(" ~ ", canon)
                    if flag and hits:
                        flags[flag] = True
        canon = _SPACES.sub(" ", canon)
        context = self.context_of(canon, flags)
        for rule in self.rules:
            if rule.matches(canon, present, context):
                return rule
        return None

    def asks_about_treatment(self, text: str) -> bool:
        """Does a sentence of the message ask about the treatment? ("?" counts here, and only here.)"""
        asks, treatment = self.contexts["asks_treatment"][0], self.treatment
        for sentence in re.split(r"(?<=[.!?\n;])", normalise(text)):
            canon = self.canonical(sentence)
            if asks.search(canon) or ("?" in sentence and treatment.search(canon)):
                return True
        return False


def load_detector(path: Path = PATTERNS_FILE) -> "_Detector":
    """Read, validate and compile a patterns file; any problem is a ConfigError naming it."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return _Detector(PatternFile.parse_obj(raw))
    except (OSError, yaml.YAMLError, ValidationError, ConfigError) as exc:
        raise ConfigError(f"{path}: cannot load the crisis patterns: {exc}") from exc


@lru_cache(maxsize=1)
def _detector() -> _Detector:
    return load_detector(PATTERNS_FILE)


def warm_up() -> None:
    """Load and compile the rules now (under a second), e.g. in the app's start-up."""
    _detector()


def rule_names() -> List[str]:
    """Every rule name, in priority order (a CrisisSignal.rule is always one of these)."""
    return [rule.name for rule in _detector().rules]


def canonical(text: str) -> str:
    """The form rules match against (for debugging and tests)."""
    return _detector().canonical(text).strip()


def detect_crisis(text: str) -> Optional[CrisisSignal]:
    """The crisis signal in ``text``, or ``None``; never depends on anything but the text."""
    if not isinstance(text, str):
        raise TypeError(f"detect_crisis expects str, not {type(text).__name__}")
    if not text.strip():
        return None
    detector = _detector()
    rule = detector.detect(text)
    if rule is None:
        return None
    asks = (rule.category is not CrisisCategory.medical_emergency
            and detector.asks_about_treatment(text))
    return CrisisSignal(category=rule.category, rule=rule.name, asks_about_treatment=asks)


__all__ = ["CrisisCategory", "CrisisSignal", "detect_crisis", "normalise", "canonical", "load_detector",
           "rule_names", "warm_up", "PATTERNS_FILE"]
