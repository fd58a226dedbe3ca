"""Platform-neutral treatment FAQ: topic lookup and free-text question matching.

The content lives in :mod:`bot.faq_content`; this module only knows how to index
and search it.  Everything here is pure Python with no I/O, so adapters
(Telegram, Discord, console) can call it directly from async code.

Matching in a nutshell:

* text is normalised (accents stripped, casefolded, punctuation/emoji/control
  characters dropped), split into words, stopwords removed and words lightly
  stemmed (plural / -ing / -ed / trailing -e);
* every topic contributes *terms* (its id, title, aliases and keywords, each a
  short tuple of stems).  A term matches when its stems occur contiguously in
  the question, so multi-word aliases match as phrases;
* a topic's score is the sum of the weights of its distinct matched terms; a
  match lying strictly inside a longer, at-least-as-heavy match (of any topic)
  is ignored, so overlapping phrases are counted once.
  Titles, ids and aliases weigh :data:`STRONG_WEIGHT`, keywords
  :data:`KEYWORD_WEIGHT`; terms made only of words that appear in nearly every
  question about this subject ("back", "acne", "scar", "skin", "treatment")
  are scaled down so they cannot drown out the specific words;
* unknown words of five or more letters are corrected to the closest indexed
  word with :mod:`difflib` (high cutoff), so "microdermabraison" still works;
* topics scoring below :data:`MIN_SCORE`, or below :data:`RELATIVE_CUTOFF` of
  the best topic, are dropped, so unrelated text returns ``[]``.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.faq_content import TOPICS, Topic

__all__ = [
    "KEYWORD_WEIGHT",
    "MAX_QUESTION_CHARS",
    "MIN_SCORE",
    "RELATIVE_CUTOFF",
    "STRONG_WEIGHT",
    "FaqIndex",
    "Match",
    "Topic",
    "default_index",
    "normalize",
    "stem",
    "tokenize",
]


@dataclass(frozen=True, slots=True)
class Match:
    """A topic matched by :meth:`FaqIndex.match`; higher ``score`` is better."""

    topic: Topic
    score: float


# --- tuning knobs -----------------------------------------------------------

MAX_QUESTION_CHARS = 2000
"""Questions are truncated to this many characters before any work is done."""

MAX_LOOKUP_CHARS = 200
"""Names passed to :meth:`FaqIndex.get` are truncated to this many characters."""

STRONG_WEIGHT = 3.0
"""Weight of a matched id, title or alias."""

KEYWORD_WEIGHT = 1.0
"""Weight of a matched keyword."""

GENERIC_FLOOR = 0.4
"""Weight multiplier for terms made only of generic words (see ``_GENERIC_WORDS``)."""

MIN_SCORE = 1.0
"""A topic needs at least this score to be returned (one specific keyword)."""

RELATIVE_CUTOFF = 0.25
"""Topics scoring below this fraction of the best topic are dropped."""

FUZZY_MIN_LEN = 5
"""Only words at least this long are typo-corrected."""

FUZZY_CUTOFF = 0.84
"""difflib similarity needed for a typo correction."""

_MAX_FUZZY_PER_QUESTION = 32
_FUZZY_CACHE_SIZE = 4096

# --- text normalisation -----------------------------------------------------

# Apostrophes are deleted (not turned into spaces) so "what's" -> "whats".
_APOSTROPHES = str.maketrans("", "", "'\u2019\u2018\u02bc\u0060\u00b4")
# A word is a run of letters/digits in any script; "_" and everything else splits.
_WORD_RE = re.compile(r"[^\W_]+")

_STOPWORDS: frozenset[str] = frozenset(
    """
    a about after again all also am an and any anything are as at be been before being but by can
    cant could did didnt do does doesnt doing dont for from get gets getting got had has have having he
    her here hers him his how hows i id if im in into is isnt it its itll ive just kind let lets like
    me might mine more most much must my myself need needs no nor not now of off ok okay on once one only
    or other our out over own please really right same she should so some something such tell than
    thank thanks that thats the their them then there these they this those through to too u up us
    very want wants was way we were what whats when where which while who whom whose why will with
    would yes you your youre yours
    """.split()
)


def normalize(text: str, max_chars: int = MAX_QUESTION_CHARS) -> str:
    """Casefold ``text``, strip accents and turn everything but letters/digits into spaces.

    Never raises for any ``str``; input beyond ``max_chars`` is ignored.
    """
    text = text[:max_chars]
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_WORD_RE.findall(stripped.casefold()))


def _undouble(word: str) -> str:
    if len(word) >= 3 and word[-1] == word[-2] and word[-1] not in "aeiouylsz":
        return word[:-1]
    return word


def stem(word: str) -> str:
    """A deliberately tiny stemmer: plurals, -ing, -ed and a trailing -e.

    It only has to be *consistent* (the same function is applied to the
    content and to questions), not linguistically correct.
    """
    if len(word) <= 3 or not word.isascii():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) >= 6:
        word = _undouble(word[:-3])
    elif word.endswith("ed") and len(word) >= 5:
        word = _undouble(word[:-2])
    if word.endswith("e") and len(word) >= 5:
        word = word[:-1]
    return word


def tokenize(text: str, max_chars: int = MAX_QUESTION_CHARS) -> list[str]:
    """Normalise, drop stopwords and one-character words, and stem."""
    return [stem(word) for word in normalize(text, max_chars).split() if len(word) > 1 and word not in _STOPWORDS]


# Words present in almost every question about back-acne scars.  Terms made
# only of these are scaled by GENERIC_FLOOR.
_GENERIC_STEMS: frozenset[str] = frozenset(
    stem(w) for w in ("back", "acne", "scar", "scars", "skin", "treatment", "treat", "remove", "help")
)

# --- index ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Term:
    topic: int
    stems: tuple[str, ...]
    weight: float


def _term_weight(stems: tuple[str, ...], base: float) -> float:
    specific = sum(1 for s in stems if s not in _GENERIC_STEMS)
    return base * max(GENERIC_FLOOR, specific / len(stems))


class FaqIndex:
    """Searchable, immutable index over a sequence of :class:`Topic`.

    All normalisation of the content happens once, in ``__init__``.
    """

    __slots__ = (
        "_by_first",
        "_fuzzy_cache",
        "_lookup",
        "_lookup_keys",
        "_max_len",
        "_topics",
        "_vocab",
        "_vocab_by_len",
    )

    def __init__(self, topics: Sequence[Topic]) -> None:
        self._topics: tuple[Topic, ...] = tuple(topics)
        ids = [t.id for t in self._topics]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate topic ids: {ids}")
        known = set(ids)
        for topic in self._topics:
            missing = [r for r in topic.related if r not in known]
            if missing:
                raise ValueError(f"topic {topic.id!r} has unknown related ids {missing}")

        # Matching: best weight per (topic, stems), then bucketed by first stem.
        best: dict[tuple[int, tuple[str, ...]], float] = {}
        for index, topic in enumerate(self._topics):
            strong: Iterable[str] = (topic.id, topic.title, *topic.aliases)
            for phrases, base in ((strong, STRONG_WEIGHT), (topic.keywords, KEYWORD_WEIGHT)):
                for phrase in phrases:
                    stems = tuple(tokenize(phrase))
                    if not stems:
                        continue
                    weight = _term_weight(stems, base)
                    key = (index, stems)
                    best[key] = max(best.get(key, 0.0), weight)
        by_first: dict[str, list[_Term]] = {}
        for (index, stems), weight in best.items():
            by_first.setdefault(stems[0], []).append(_Term(index, stems, weight))
        self._by_first: dict[str, tuple[_Term, ...]] = {k: tuple(v) for k, v in by_first.items()}
        self._max_len: int = max((len(stems) for _, stems in best), default=1)
        self._vocab: frozenset[str] = frozenset(s for _, stems in best for s in stems)
        vocab_by_len: dict[int, list[str]] = {}
        for word in sorted(self._vocab):
            vocab_by_len.setdefault(len(word), []).append(word)
        self._vocab_by_len: dict[int, tuple[str, ...]] = {k: tuple(v) for k, v in vocab_by_len.items()}
        self._fuzzy_cache: dict[str, str | None] = {}

        # Lookup by name: plain and stemmed keys for id, title and aliases.
        lookup: dict[str, Topic] = {}
        for topic in self._topics:
            for name in (topic.id, topic.title, *topic.aliases):
                plain = normalize(name)
                for name_key in (plain, " ".join(stem(w) for w in plain.split())):
                    if name_key:
                        lookup.setdefault(name_key, topic)
        self._lookup: dict[str, Topic] = lookup
        self._lookup_keys: tuple[str, ...] = tuple(lookup)

    def topics(self) -> tuple[Topic, ...]:
        """All topics, in content order."""
        return self._topics

    def get(self, topic_id_or_name: str) -> Topic | None:
        """Find a topic by id, title or alias; case-insensitive and typo-tolerant.

        Leading "/" or other punctuation is ignored, so "/laser" works.
        Returns ``None`` when nothing is close enough.
        """
        key = normalize(topic_id_or_name, MAX_LOOKUP_CHARS)
        if not key:
            return None
        found = self._lookup.get(key)
        if found is None:
            found = self._lookup.get(" ".join(stem(w) for w in key.split()))
        if found is None and len(key) >= 3:
            close = difflib.get_close_matches(key, self._lookup_keys, n=1, cutoff=0.8)
            if close:
                found = self._lookup[close[0]]
        return found

    def match(self, question: str, limit: int = 3) -> list[Match]:
        """Topics answering ``question``, best first, at most ``limit``.

        Returns ``[]`` when nothing matches well.  Never raises for any ``str``;
        only the first :data:`MAX_QUESTION_CHARS` characters are considered.
        """
        if limit <= 0:
            return []
        tokens = self._correct(tokenize(question))
        if not tokens:
            return []
        # Every occurrence of a term in the question: (start, term).
        hits: list[tuple[int, _Term]] = []
        # Multi-word hits by start position: (end, weight).
        spans: dict[int, list[tuple[int, float]]] = {}
        for i, token in enumerate(tokens):
            for term in self._by_first.get(token, ()):
                n = len(term.stems)
                if n == 1 or tuple(tokens[i : i + n]) == term.stems:
                    hits.append((i, term))
                    if n > 1:
                        spans.setdefault(i, []).append((i + n, term.weight))
        if not hits:
            return []
        # "Maximal munch": a hit lying strictly inside a longer hit that weighs at least
        # as much is ignored, so "chemical peel" counts once rather than as
        # "chemical" + "peel" + "chemical peel", and overlapping generic phrases don't stack.
        matched: dict[tuple[int, tuple[str, ...]], float] = {}
        for start, term in hits:
            end = start + len(term.stems)
            shadowed = any(
                other_end >= end and other_end - other_start > end - start and other_weight >= term.weight
                for other_start in range(max(0, start - self._max_len + 1), start + 1)
                for other_end, other_weight in spans.get(other_start, ())
            )
            if not shadowed:
                matched[(term.topic, term.stems)] = term.weight
        scores: dict[int, float] = {}
        for (index, _), weight in matched.items():
            scores[index] = scores.get(index, 0.0) + weight
        top = max(scores.values())
        floor = max(MIN_SCORE, top * RELATIVE_CUTOFF)
        ranked = sorted(
            ((index, score) for index, score in scores.items() if score >= floor),
            key=lambda pair: (-pair[1], pair[0]),
        )
        return [Match(self._topics[index], round(score, 3)) for index, score in ranked[:limit]]

    # --- internals --------------------------------------------------------

    def _correct(self, tokens: list[str]) -> list[str]:
        """Replace unknown, long-enough ASCII words by their closest indexed word."""
        budget = _MAX_FUZZY_PER_QUESTION
        out: list[str] = []
        for token in tokens:
            if token in self._vocab or len(token) < FUZZY_MIN_LEN or not token.isascii():
                out.append(token)
                continue
            if token in self._fuzzy_cache:
                fixed = self._fuzzy_cache[token]
            elif budget > 0:
                budget -= 1
                fixed = self._closest(token)
                if len(self._fuzzy_cache) >= _FUZZY_CACHE_SIZE:
                    self._fuzzy_cache.clear()
                self._fuzzy_cache[token] = fixed
            else:
                fixed = None
            out.append(fixed or token)
        return out

    def _closest(self, token: str) -> str | None:
        n = len(token)
        candidates = [w for length in range(n - 2, n + 3) for w in self._vocab_by_len.get(length, ())]
        close = difflib.get_close_matches(token, candidates, n=1, cutoff=FUZZY_CUTOFF)
        return close[0] if close else None


@functools.cache
def default_index() -> FaqIndex:
    """The index over :data:`bot.faq_content.TOPICS`, built once per process."""

    return FaqIndex(TOPICS)
