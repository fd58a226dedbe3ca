"""Typo correction against the guide's own words, by deletions (the SymSpell idea), without difflib.

Each known word is indexed under itself with one letter deleted (and two, for long words); an unknown word
is looked up under itself and its one-letter deletions, so a missing, extra, wrong or swapped letter is found
in a few dictionary look-ups, whatever the size of the message: difflib compared each unknown word with
every known one, and a 4,000-character message could take 10 ms.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

MIN_LEN: Final = 5  # shorter words are left alone: "feel" is not a typo of "peel"
LONG: Final = 8  # from this length two edits are allowed, one below it
_CACHE_SIZE: Final = 4096

# Everyday words one edit away from a guide word: never "corrected" into it ("later" is not "laser").
KEEP: Final = frozenset(
    """
    later layers taser lager leaser cheap dream creamy scary stars start peels steel wheel price spice prize
    based baked bake cost coat cast most post host scare scarf score scored pearl pearls spots sports
    """.split()
)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def distance(a: str, b: str) -> int:
    """Edits between a and b, a swap of neighbours counting as one (optimal string alignment)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


class Speller:
    """Finds the known word an unknown one was meant to be, or None."""

    def __init__(self, words: Iterable[str], used_in: Mapping[str, frozenset[int]] | None = None) -> None:
        """`used_in`: the entries each word appears in. Of two candidates equally close, the one more entries
        use wins, and two used by the same entries are as good as each other (a typo written into an entry's
        phrasings, "infekt", must not block "infect" from being found)."""
        self._words = frozenset(w for w in words if w.isascii() and w.isalpha())
        self._used_in: Mapping[str, frozenset[int]] = used_in or {}
        index: dict[str, set[str]] = {}
        for word in self._words:
            if len(word) < MIN_LEN - 1:
                continue
            variants = _deletes(word)
            if len(word) >= LONG:
                variants |= {d2 for d in variants for d2 in _deletes(d)}
            for variant in (word, *variants):
                index.setdefault(variant, set()).add(word)
        self._index = {k: tuple(sorted(v)) for k, v in index.items()}
        self._cache: dict[str, str | None] = {}

    def correct(self, word: str) -> str | None:
        if word in self._words:
            return word
        if len(word) < MIN_LEN or word in KEEP or not word.isascii() or not word.isalpha():
            return None
        if word in self._cache:
            return self._cache[word]
        found = self._lookup(word)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[word] = found
        return found

    def _lookup(self, word: str) -> str | None:
        candidates: set[str] = set()
        for variant in (word, *_deletes(word)):
            candidates.update(self._index.get(variant, ()))
        allowed = 2 if len(word) >= LONG else 1
        used = self._used_in
        scored = sorted((distance(word, c), -_common_prefix(word, c), -len(used.get(c, ())), c) for c in candidates)
        best = [s for s in scored if s[0] <= allowed]
        if not best:
            return None
        if len(best) > 1 and best[1][:3] == best[0][:3]:
            first, second = used.get(best[0][3]), used.get(best[1][3])
            if first is None or first != second:
                return None  # two words equally close, as common, maybe meaning different things: a coin toss
        return best[0][3]


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
