"""The compiled rule set: masks, contexts, guards and rules, and the matching loop."""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import (
    AbstractSet,
    Callable,
    Dict,
    FrozenSet,
    Iterator,
    List,
    Mapping,
    Match,
    NamedTuple,
    Optional,
    Pattern,
    Tuple,
)

from bot.errors import ConfigError
from bot.safety.prefilter import Candidate, KeyIndex, Triggers
from bot.safety.spec import GuardSpec, PatternSet, RuleSpec
from bot.safety.text import SPACES, Canonicaliser, normalise

WINDOW = 80  # characters of context that guards look at on each side of a match
_ESCAPE = re.compile(r"\\.")
_LETTERS = re.compile(r"[a-z]+")
_MACRO = re.compile(r"\{([a-z_]+)\}")
_MACRO_DEPTH = 5  # macros may use macros; deeper nesting is a sign of a loop
# A letter pair split by a group edge ("stop(?:ping)", "(?:kil)l"): folding sees two runs and keeps
# both letters, but the text "stopping" folds to "stoping", so the pattern could never match it.
_SPLIT_PAIR = re.compile(r"([a-z])\(\?:(?:[^()|]*\|)*\1|([a-z])\)\+?\2(?![?*{])")

Context = Callable[[str], bool]


class CompiledContext(NamedTuple):
    pattern: Optional[Pattern[str]]  # None: the context has no patterns of its own
    any_of: List[str]
    all_of: List[str]
    none_of: List[str]


@contextmanager
def _blame(spec: PatternSet, item: str) -> Iterator[None]:
    """Name the file and the item in a ConfigError raised while compiling it."""
    try:
        yield
    except ConfigError as exc:
        raise ConfigError(f"{spec.origin(item)}: {exc}") from exc


class Guard:
    def __init__(self, spec: GuardSpec, compile_: Callable[[str], Pattern[str]]) -> None:
        def join(patterns: List[str], template: str) -> Optional[Pattern[str]]:
            return compile_(template.format("|".join(f"(?:{p})" for p in patterns))) if patterns else None

        self.before = join(spec.before, r"\b(?:{})$")
        self.after = join(spec.after, r"^(?:{})\b")
        self.near = join(spec.near, "(?:{})")
        self.local = spec.local
        self.context_all, self.context_none = spec.context_all, spec.context_none

    def suppresses(self, text: str, m: Match[str], context: Context) -> bool:
        if self.local:
            start, end = m.span()
            hit = ((self.before and self.before.search(text[max(0, start - WINDOW):start].rstrip()))
                   or (self.after and self.after.search(text[end:end + WINDOW].lstrip()))
                   or (self.near and self.near.search(text[max(0, start - WINDOW):end + WINDOW])))
            if not hit:
                return False
        return all(context(c) for c in self.context_all) and not any(context(c) for c in self.context_none)


class Rule:
    def __init__(
        self, spec: RuleSpec, patterns: List[Pattern[str]], guards: List[Guard], literals: Mapping[str, Triggers]
    ) -> None:
        self.name, self.category, self.guards = spec.name, spec.category, guards
        self.subject, self.when = spec.subject, spec.when
        self.patterns = [Candidate(p, literals) for p in patterns]
        self.ids: FrozenSet[int] = frozenset()  # set by Detector once the patterns have ids

    def matches(self, text: str, live: AbstractSet[int], context: Context) -> bool:
        """Is there a match that no guard suppresses? (Suppressed: look again one place on.) The
        ``when`` contexts are checked only after a match, as most messages need none computed."""
        for candidate in self.patterns:
            if candidate.id not in live:
                continue
            pos = 0
            while True:
                m = candidate.pattern.search(text, pos)
                if not m:
                    break
                if not any(g.suppresses(text, m, context) for g in self.guards):
                    return all(context(c) for c in self.when)
                pos = m.start() + 1
        return False


class Detector:
    def __init__(self, spec: PatternSet, literals: Optional[Mapping[str, Triggers]] = None) -> None:
        """``literals``: each pattern's prefilter literal sets, found earlier (else found now)."""
        literals = literals or {}
        self.text = Canonicaliser(spec.protected_words, spec.token_map, spec.fuzzy.words, spec.fuzzy.never,
                                  spec.symbol_words)
        self.macros = spec.macros
        self.contexts: Dict[str, CompiledContext] = {}
        for name, c in spec.contexts.items():
            with _blame(spec, f"contexts.{name}"):
                self.contexts[name] = CompiledContext(self._any(c.any), c.any_of, c.all_of, c.none_of)
        guards: Dict[str, Guard] = {}
        for name, g in spec.guards.items():
            with _blame(spec, f"guards.{name}"):
                guards[name] = Guard(g, self.compile)
        self.masks: List[Tuple[List[Candidate], Optional[str]]] = []
        for m in spec.masks:
            with _blame(spec, f"masks.{m.name}"):
                self.masks.append(([Candidate(self.compile(p), literals) for p in m.patterns], m.context))
        known = set(self.contexts) | {m.context for m in spec.masks if m.context}
        # A misspelt context name would silently never hold.
        references = [(f"guards.{name}", g.context_all + g.context_none) for name, g in spec.guards.items()]
        references += [(f"contexts.{name}", c.any_of + c.all_of + c.none_of) for name, c in spec.contexts.items()]
        for item, flags in references:
            for flag in flags:
                if flag not in known:
                    raise ConfigError(f"{spec.origin(item)}: unknown context {flag!r}")
        self.rules: List[Rule] = []
        for r in spec.rules:
            with _blame(spec, f"rules.{r.name}"):
                unknown = [c for c in ([r.subject.when, *r.subject.unless] if r.subject else []) if c not in known]
                if unknown:
                    raise ConfigError(f"subject: unknown contexts {unknown}")
                unknown = [c for c in r.when if c not in known]
                if unknown:
                    raise ConfigError(f"when: unknown contexts {unknown}")
                missing = [g for g in r.guards if g not in guards]
                if missing:
                    raise ConfigError(f"unknown guards {missing}")
                own = [guards[g] for g in r.guards]
                if r.unless_before or r.unless_after or r.unless_near:
                    own.append(Guard(GuardSpec(before=r.unless_before, after=r.unless_after, near=r.unless_near),
                                     self.compile))
                self.rules.append(Rule(r, [self.compile(p) for p in r.patterns], own, literals))
        self.index = KeyIndex(self.candidates())
        for rule in self.rules:  # a rule is skipped outright when none of its patterns may match
            rule.ids = frozenset(p.id for p in rule.patterns)
        self.treatment = self.compile(r"\b(?:{treatment}|{clinic_noun})\b")
        asks_context = self.contexts.get("asks_treatment")
        asks = asks_context.pattern if asks_context else None
        if asks is None:
            raise ConfigError("contexts.asks_treatment: needed (with patterns) for asks_about_treatment")
        self.asks: Pattern[str] = asks

    def candidates(self) -> List[Candidate]:
        """Every prefiltered pattern: the rules', then the masks'."""
        return [p for r in self.rules for p in r.patterns] + [p for ps, _ in self.masks for p in ps]

    # -- patterns are written in ordinary spelling and folded like the text they match
    def compile(self, source: str) -> Pattern[str]:
        for _ in range(_MACRO_DEPTH):
            source = _MACRO.sub(lambda m: self._macro(m.group(1)), source)
        escapes: List[str] = []
        source = _ESCAPE.sub(lambda m: escapes.append(m.group()) or f"\x00{len(escapes) - 1}\x01", source)  # type: ignore[func-returns-value]
        split = _SPLIT_PAIR.search(source)
        if split:
            raise ConfigError(f"a doubled letter split by a group ({split.group()!r}) never matches folded text: "
                              f"write it once, as the text folds it: {source[:120]}")
        source = _LETTERS.sub(lambda m: self.text.fold(m.group()), source)
        source = re.sub("\x00(\\d+)\x01", lambda m: escapes[int(m.group(1))], source)
        try:
            return re.compile(source)
        except re.error as exc:
            raise ConfigError(f"bad pattern ({exc}): {source[:120]}") from exc

    def _macro(self, name: str) -> str:
        if name not in self.macros:
            raise ConfigError(f"unknown macro {{{name}}}")
        return self.macros[name]

    def _any(self, patterns: List[str]) -> Optional[Pattern[str]]:
        return self.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None

    # -- text
    def canonical(self, text: str) -> str:
        return self.text.canonical(text)

    def context_of(self, text: str, flags: Dict[str, bool]) -> Context:
        """Context flags, each computed on first use only (most messages need none)."""
        def holds(name: str) -> bool:
            if name not in flags:
                c = self.contexts.get(name, CompiledContext(None, [], [], []))
                flags[name] = ((c.pattern is None or bool(c.pattern.search(text)))
                               and (not c.any_of or any(holds(n) for n in c.any_of))
                               and all(holds(n) for n in c.all_of)
                               and not any(holds(n) for n in c.none_of)
                               and (c.pattern is not None or bool(c.any_of or c.all_of)))
            return flags[name]
        return holds

    def detect(self, text: str) -> Optional[Rule]:
        found = self.match(text)
        return found[0] if found else None

    def match(self, text: str) -> Optional[Tuple[Rule, Context]]:
        """The first rule that matches, with the message's context flags (for the rule's subject)."""
        canon = self.text.canonical(text)
        live = self.index.live(canon)
        flags: Dict[str, bool] = {}
        for patterns, flag in self.masks:
            for mask in patterns:
                if mask.id in live:
                    canon, hits = mask.pattern.subn(" ~ ", canon)
                    if flag and hits:
                        flags[flag] = True
        canon = SPACES.sub(" ", canon)
        context = self.context_of(canon, flags)
        for rule in self.rules:
            if not rule.ids.isdisjoint(live) and rule.matches(canon, live, context):
                return rule, context
        return None

    def asks_about_treatment(self, text: str) -> bool:
        """Does a sentence of the message ask about the treatment? ("?" counts here, and only here.)"""
        asks, treatment = self.asks, self.treatment
        for sentence in re.split(r"(?<=[.!?\n;])", normalise(text)):
            canon = self.text.canonical(sentence)
            if asks.search(canon) or ("?" in sentence and treatment.search(canon)):
                return True
        return False
