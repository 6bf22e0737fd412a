"""Skip patterns that cannot match: the words each pattern requires, found from the regex itself.

With a few hundred patterns of long alternations, running every regex on every message would
cost milliseconds. Instead each pattern's required literals are derived from its parsed form
(never written by hand, so they cannot drift from the pattern), and a pattern is tried only
when one of them occurs in the message.
"""
from __future__ import annotations

import hashlib
import sys
from collections import Counter
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Pattern, Sequence, Set, Tuple

if sys.version_info >= (3, 11):  # the regex parser moved to re._parser in 3.11
    import re._parser as _sre
else:
    import sre_parse as _sre

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


def _literal_sets(items: Iterable[Any]) -> List[FrozenSet[str]]:
    """Sets of literal strings such that every match of the parsed pattern contains one of each.

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
    return candidates


def _selectivity(literals: FrozenSet[str]) -> Tuple[bool, int, int]:
    """Higher is rarer: no tiny or common word in the set, then the longest shortest member."""
    return (not any(len(t.strip()) < 3 or t.strip() in _COMMON for t in literals),
            min(map(len, literals)), -len(literals))


def _required_literals(items: Iterable[Any]) -> Optional[FrozenSet[str]]:
    """The most selective of the literal sets (None: the pattern requires no literal)."""
    return max(_literal_sets(items), key=_selectivity, default=None)


def required_literal_sets(pattern: Pattern[str], most: int = 3) -> List[FrozenSet[str]]:
    """Up to `most` literal sets, best first.

    Each set alone is a sound filter; requiring several at once skips far more patterns, e.g.
    "feel like ... dying" is not tried on every message that says "dying".
    """
    # Ties are broken by the literals themselves: set order varies with the hash seed, and the
    # choice must not vary from one process to the next (the generated file holds it).
    sets = sorted(set(_literal_sets(_sre.parse(pattern.pattern).data)), key=lambda s: (_selectivity(s), sorted(s)),
                  reverse=True)
    # Beyond the best set, only sets free of tiny and common words: their literals join the
    # shared key pool, and a key such as "the" would swallow every longer literal containing it.
    return sets[:1] + [s for s in sets[1:most] if _selectivity(s)[0]]


Triggers = List[FrozenSet[str]]


def pattern_key(source: str) -> str:
    """A pattern's key among literal sets found earlier (its expanded source runs to pages)."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:20]


class Candidate:
    """A compiled pattern and the literal sets its every match contains one member of each of.

    ``literals`` holds the sets found earlier, by ``pattern_key`` (loader.py reads them from
    the generated file): finding them parses the regex again, most of the rules' load time.
    """

    def __init__(self, pattern: Pattern[str], literals: Optional[Mapping[str, Triggers]] = None) -> None:
        self.pattern = pattern
        found = literals.get(pattern_key(pattern.pattern)) if literals else None
        self.triggers: Triggers = found if found is not None else required_literal_sets(pattern)
        self.id = -1  # set by KeyIndex
        self.keys: List[FrozenSet[str]] = []  # set by KeyIndex: shortest forms of each trigger set

    def may_match(self, present: FrozenSet[str]) -> bool:
        return all(not keys.isdisjoint(present) for keys in self.keys)


def _grams(text: str) -> List[str]:
    return [text[i:i + 3] for i in range(len(text) - 2)]


class KeyIndex:
    """Which patterns a message can match, found from the trigger literals it contains.

    Keys are the shortest trigger literals, looked up in a message by its 3-grams; each key
    lists the patterns whose best trigger set it belongs to, so a message only ever touches
    the patterns its words point at (then their other trigger sets are checked too).
    """

    def __init__(self, candidates: Sequence[Candidate]) -> None:
        # Each trigger set is reduced to its own shortest members ("kill" needs no key once "kil"
        # is one), never across patterns: a short literal of one pattern ("king") would otherwise
        # become the key of every other pattern's longer word that contains it ("thinking").
        for c in candidates:
            c.keys = [minimal(frozenset(t for t in triggers if len(t.strip()) >= 3))
                      | frozenset(t for t in triggers if len(t.strip()) < 3) for triggers in c.triggers]
        self.keys = sorted(frozenset().union(*(k for c in candidates for k in c.keys)))
        # Each key is filed under its rarest 3-gram (rare among the keys, so rare in text too):
        # a message's common grams ("the", "ing") then lead to few substring tests.
        spread = Counter(g for key in self.keys for g in set(_grams(key)))
        self.by_gram: Dict[str, List[str]] = {}
        for key in self.keys:
            if len(key) >= 3:
                self.by_gram.setdefault(min(_grams(key), key=lambda g: (spread[g], g)), []).append(key)
        self.short_keys = [k for k in self.keys if len(k) < 3]  # no 3-gram: always tested
        self.unkeyed: List[int] = []  # patterns with no required literal: always candidates
        self.by_key: Dict[str, List[int]] = {}
        self.more_keys: Dict[int, List[FrozenSet[str]]] = {}  # trigger sets beyond the first
        for i, c in enumerate(candidates):
            c.id = i
            if not c.keys:
                self.unkeyed.append(i)
                continue
            for key in c.keys[0]:
                self.by_key.setdefault(key, []).append(i)
            if len(c.keys) > 1:
                self.more_keys[i] = c.keys[1:]

    def present(self, text: str, short_keys: bool = True) -> FrozenSet[str]:
        """The keys that occur in the text."""
        grams = {text[i:i + 3] for i in range(len(text) - 2)}
        by_gram = self.by_gram
        found = [k for g in grams & by_gram.keys() for k in by_gram[g] if k in text]
        if short_keys:
            found += [k for k in self.short_keys if k in text]
        return frozenset(found)

    def live(self, text: str) -> Set[int]:
        """The ids of the patterns that may match the text (all others certainly do not)."""
        present = self.present(text)
        by_key = self.by_key
        ids = set(self.unkeyed)
        for key in present:
            ids.update(by_key.get(key, ()))
        more = self.more_keys
        ids.difference_update([i for i in ids & more.keys() if any(k.isdisjoint(present) for k in more[i])])
        return ids
