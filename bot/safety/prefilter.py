"""Skip patterns that cannot match: the words each pattern requires, found from the regex itself.

With a few hundred patterns of long alternations, running every regex on every message would
cost milliseconds. Instead each pattern's required literals are derived from its parsed form
(never written by hand, so they cannot drift from the pattern), and a pattern is tried only
when one of them occurs in the message.
"""
from __future__ import annotations

from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Pattern, Sequence

try:  # the regex parser: re._parser from 3.11
    import re._parser as _sre  # type: ignore[import-not-found,import]
except ImportError:  # Python 3.10: sre_parse
    import sre_parse as _sre  # type: ignore[no-redef]

# Words so frequent that a pattern keyed on them would be tried on almost every message.
_COMMON = frozenset("""a about an and are as at be but can cant do dont feel for from get have how i if im
in is it just know like me my no not of on or out so that the this to up want was we what when with
would you your""".split())


def minimal(strings: FrozenSet[str]) -> FrozenSet[str]:
    """Drop strings that contain another one: if "kill" must occur, so must "kil"."""
    lengths = sorted({len(s) for s in strings})
    return frozenset(s for s in strings if not any(
        s[i:i + n] in strings for n in lengths if n < len(s) for i in range(len(s) - n + 1)))


def _literal_options(op: Any, av: Any) -> Optional[List[str]]:
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


def _required_literals(items: Iterable[Any]) -> Optional[FrozenSet[str]]:
    """Literal strings one of which every match of the parsed pattern contains (None: unknown).

    A literal that the pattern bounds with \\b is padded with spaces (the canonical text is
    " a b c "), which makes "od" a key for " od " and not for every "good".
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
        if options is not None and len(run) * len(options) <= 64:  # cap the cross product
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
            candidates.append(minimal(found))
    close(len(items))
    if not candidates:
        return None
    # The most selective set: no tiny or common word in it, then the longest shortest member.
    return max(candidates, key=lambda c: (not any(len(t.strip()) < 3 or t.strip() in _COMMON for t in c),
                                          min(map(len, c)), -len(c)))


def required_literals(pattern: Pattern[str]) -> Optional[FrozenSet[str]]:
    return _required_literals(_sre.parse(pattern.pattern))


class Candidate:
    """A compiled pattern and the literals one of which its every match contains."""

    def __init__(self, pattern: Pattern[str]) -> None:
        self.pattern = pattern
        self.triggers = required_literals(pattern)
        self.keys: Optional[FrozenSet[str]] = None  # set by KeyIndex: shortest forms of triggers

    def may_match(self, present: FrozenSet[str]) -> bool:
        return self.keys is None or not self.keys.isdisjoint(present)


class KeyIndex:
    """The shortest trigger literals of all patterns, looked up in a message by its 3-grams.

    A message then costs one substring test per key that shares a 3-gram with it, and each
    pattern is tried only if one of the keys inside its triggers occurs in the text.
    """

    def __init__(self, candidates: Sequence[Candidate]) -> None:
        literals: FrozenSet[str] = frozenset().union(*(c.triggers or () for c in candidates))
        short = frozenset(t for t in literals if len(t.strip()) < 3)  # keys only for themselves
        self.keys = sorted(minimal(literals - short) | short)
        self.by_gram: Dict[str, List[str]] = {}
        for key in self.keys:
            self.by_gram.setdefault(key[:3], []).append(key)
        self.short_keys = [k for k in self.keys if len(k) < 3]  # no 3-gram: always tested
        for c in candidates:
            if c.triggers:
                c.keys = frozenset().union(*(self.present(t, short_keys=False) for t in c.triggers))
                c.keys |= c.triggers & short

    def present(self, text: str, short_keys: bool = True) -> FrozenSet[str]:
        """The keys that occur in the text."""
        grams = {text[i:i + 3] for i in range(len(text) - 2)}
        found = [k for g in grams for k in self.by_gram.get(g, ()) if k in text]
        return frozenset(found + [k for k in self.short_keys if short_keys and k in text])
