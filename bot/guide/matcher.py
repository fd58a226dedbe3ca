"""Which guide entry answers a question, and whether the guide should answer at all.

The ranking is bot.guide.model's classifier (logistic regression over character n-grams and the guide's terms,
trained on the entries' wordings and the tune part of the labelled questions). It replaced a hand-written
term scorer that ranked the right entry first for 68.5% of the held-out questions written blind, where the
classifier does far better (docs/benchmarks.md, "The guide learns from the questions people asked").

Whether to answer is decided by two numbers tuned on data (bot.guide.training, on out-of-fold predictions of
the tune part, never by hand): the best entry's probability and its lead over the next class, which may be
DECLINE, the class the labelled questions the guide should not answer taught. Two rules come first and are
never overridden: a question naming something the guide is not about (OFF_TOPIC: another body part,
condition or treatment) is declined, and so is a question with no word of the domain at all (DOMAIN_WORDS or
any topic's words: "how much do braces cost").
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from bot.guide.entries import ENTRIES, TOPIC_WORDS
from bot.guide.entry import Entry
from bot.guide.features import grams
from bot.guide.model import DECLINE, Model, Thresholds, saved_model
from bot.guide.phrasings import PHRASINGS
from bot.guide.text import SYNONYMS, canon, tokens
from bot.guide.typos import Speller
from bot.guide.warning import warning_entries

OFFERED: Final = 3  # questions offered on a decline: three buttons, each a whole question on its own row
# Offer them only if the best is at least this likely: chosen on out-of-fold rankings of the tune part, where
# it keeps 304 of the 313 right offers and drops 48 of the 171 offers to questions to decline (0.02 or 0.03
# keep more of both, 0.08 far fewer right ones).
OFFER_FLOOR: Final = 0.05

MIN_TYPO_LEN: Final = 6  # a rarer wording word this long, one edit from a common one, is taken as its typo
DOMAIN_WORDS: Final = (
    "acne bacne scar scars scarring skin back spot spots pimple pimples zit zits breakout breakouts pore pores "
    "blemish marks sweat sweaty sweating shower gym workout exercise clothes clothing wear shirt towel towels "
    "sheets soap wash cleanser dermatologist doctor sun sunscreen tan tanning pregnant pregnancy breastfeeding "
    "retinol vitamin acid"
)
# Words that name what the guide is not about: another part of the body, another condition, another
# treatment. A question with one is declined though it shares "laser" and "hurt" with an entry ("does a tattoo
# hurt", "how often should I wash my eyebrows"); a word the entries use themselves ("hair") is not among them.
# From general knowledge, not from the labelled questions.
OFF_TOPIC: Final = (
    "hair hairs scalp dandruff eye eyes eyelash eyebrow teeth tooth toothbrush gum gums nail nails toenail "
    "fingernail armpit armpits underarm foot feet toe toes knee lip lips nose ear ears mouth throat stomach belly "
    "wart warts eczema psoriasis rosacea dermatitis hives mole moles freckle freckles wrinkle wrinkles cellulite "
    "sunburn sunburnt burnt cold sore sores herpes flu fever cough headache migraine allergy allergies hayfever "
    "tattoo tattoos piercing braces surgery botox filler fillers lipo liposuction weight diet calories "
    "stretch dog cat pet baby teething car fly flying flight flights travel travelling plane airport snore snoring"
)
# Pairs of words that name another treatment or condition though each word alone may be the guide's: "hair"
# is (shampoo running down the back, shaving), "laser hair removal" and "hair loss" are not.
OFF_TOPIC_PAIRS: Final = (
    "laser hair",
    "hair loss",
    "losing hair",
    "hair falling",
    "hair thinning",
    "thinning hair",
    "hair growth",
    "grow hair",
    "hair dye",
    "dye hair",
)


@dataclass(frozen=True, slots=True)
class Scored:
    entry: Entry
    score: float  # 0..1: the classifier's probability that this entry answers the question
    in_domain: bool = True  # the question has a word about skin, acne or the guide's topics
    margin: float = 1.0  # -1..1: this entry's probability less the next class's (the next entry or DECLINE)
    off_topic: bool = False  # the question names something the guide is not about (OFF_TOPIC): never answered


@dataclass(frozen=True, slots=True)
class Answer:
    """The entry to answer with, or None (decline); `ranked` best first either way, for the closest topics."""

    entry: Entry | None
    ranked: tuple[Scored, ...]
    warning: tuple[str, ...] = ()  # safety entries for the warning signs the question describes (bot.guide.warning)

    def closest_topics(self, limit: int = 3) -> list[str]:
        found: list[str] = []
        for scored in self.ranked:
            if scored.entry.topic not in found:
                found.append(scored.entry.topic)
        return found[:limit]

    def closest_questions(self) -> tuple[Entry, ...]:
        """On a decline, the likeliest entries to offer as questions (see `offered`)."""
        return offered(self.ranked) if self.entry is None else ()


class Guide:
    """The entries, the speller over their words and the classifier: everything computed once, here."""

    def __init__(
        self,
        entries: Sequence[Entry] = ENTRIES,
        *,
        model: Model | None = None,
        thresholds: Thresholds | None = None,
        phrasings: dict[str, tuple[str, ...]] = PHRASINGS,
    ) -> None:
        self.entries: tuple[Entry, ...] = tuple(entries)
        self._phrasings = phrasings
        self._by_id = {e.id: e for e in self.entries}
        self.model = model
        self.thresholds = thresholds if thresholds is not None or model is None else model.thresholds
        self._typo_of = self._typos_in_wordings()
        used_in: dict[str, set[int]] = {}
        for index, entry in enumerate(self.entries):
            for phrase in (*self.wordings(entry), *TOPIC_WORDS.get(entry.topic, ())):
                for stem in self._wording_tokens(phrase):
                    used_in.setdefault(stem, set()).add(index)
        self._speller = Speller([*used_in, *SYNONYMS], {t: frozenset(i) for t, i in used_in.items()})
        self._known = frozenset(used_in)
        self._off_topic: frozenset[str] = frozenset(tokens(OFF_TOPIC)) - {
            t for e in self.entries for w in self.wordings(e) for t in tokens(w)
        }
        self._off_topic_pairs: frozenset[tuple[str, ...]] = frozenset(
            tuple(self.terms(pair)) for pair in OFF_TOPIC_PAIRS
        ) - {pair for e in self.entries for w in self.wordings(e) for pair in _pairs(self.terms(w))}
        self._domain: frozenset[str] = frozenset(tokens(DOMAIN_WORDS)) | frozenset(
            t for words in TOPIC_WORDS.values() for phrase in words for t in tokens(phrase)
        )

    def _typos_in_wordings(self) -> dict[str, str]:
        """Misspellings written into the phrasings on purpose ("chemcial"), each to the word it stands for, so
        that a question's typo is corrected to the word every entry shares instead of matching the one entry
        whose phrasing happens to carry that misspelling."""
        counts: dict[str, int] = {}
        for entry in self.entries:
            for phrase in self.wordings(entry):
                for stem in tokens(phrase):
                    counts[stem] = counts.get(stem, 0) + 1
        common = Speller([w for w, n in counts.items() if n >= 2 and len(w) >= MIN_TYPO_LEN])
        found = {}
        for word, n in counts.items():
            if n == 1 and len(word) >= MIN_TYPO_LEN:
                meant = common.correct(word)
                if meant is not None and meant != word:
                    found[word] = meant
        return found

    def _wording_tokens(self, phrase: str) -> list[str]:
        return [self._typo_of.get(t, t) for t in tokens(phrase)]

    def wordings(self, entry: Entry) -> tuple[str, ...]:
        """Every way the guide knows this entry is asked: its question, its asks and its phrasings."""
        return (entry.question, *entry.asks, *self._phrasings.get(entry.id, ()))

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def of_topic(self, topic_id: str) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.topic == topic_id)

    def terms(self, question: str) -> list[str]:
        """The question's stems, typos corrected to the guide's words where one is close enough."""
        found = []
        for stem in tokens(question):
            fixed = stem if stem in self._known else self._speller.correct(stem)
            found.append(canon(fixed) if fixed else stem)
        return found

    def rank(self, question: str, limit: int = 5) -> tuple[Scored, ...]:
        """The entries the classifier finds likeliest, best first (ties: content order); () for no words."""
        if self.model is None:
            raise ValueError("this guide has no model: Guide(model=...) or default_guide()")
        stems = self.terms(question)
        blocks = grams(question, stems)
        if not blocks[0] and not blocks[1]:
            return ()
        probabilities = self.model.probabilities(blocks)
        by_class = dict(zip(self.model.classes, probabilities.tolist(), strict=True))
        ordered = sorted(
            (i for i, e in enumerate(self.entries) if e.id in by_class),
            key=lambda i: (-by_class[self.entries[i].id], i),
        )
        decline = by_class.get(DECLINE, 0.0)
        unique = set(stems)
        domain = any(t in self._domain for t in unique)
        elsewhere = any(t in self._off_topic for t in unique) or not self._off_topic_pairs.isdisjoint(_pairs(stems))
        found = []
        for n, index in enumerate(ordered[:limit]):
            mine = by_class[self.entries[index].id]
            after = by_class[self.entries[ordered[n + 1]].id] if n + 1 < len(ordered) else 0.0
            found.append(
                Scored(self.entries[index], round(mine, 6), domain, round(mine - max(after, decline), 6), elsewhere)
            )
        return tuple(found)

    def in_domain(self, question: str) -> bool:
        """Whether the question has any word about skin, acne or the guide's topics."""
        return any(t in self._domain for t in self.terms(question))

    def answer(self, question: str) -> Answer:
        ranked = self.rank(question)
        warning = tuple(i for i in warning_entries(question) if i in self._by_id)
        if ranked and self.confident(ranked[0]):
            return Answer(ranked[0].entry, ranked, warning)
        return Answer(None, ranked, warning)

    def confident(self, best: Scored, thresholds: Thresholds | None = None) -> bool:
        """Whether `best` is good enough to answer with (these thresholds, or the guide's)."""
        use = thresholds or self.thresholds
        if use is None:
            raise ValueError("no thresholds: pass them, or build the guide with a model")
        return trusted(best, use)


def trusted(best: Scored, thresholds: Thresholds) -> bool:
    """The rule: in the domain, about nothing the guide is not about, and sure enough and far enough ahead."""
    return (
        best.in_domain
        and not best.off_topic
        and best.score >= thresholds.min_probability
        and best.margin >= thresholds.min_gap
        and best.margin > 0  # never below DECLINE or level with the next
    )


def _pairs(stems: Sequence[str]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(stems))


def offered(ranked: Sequence[Scored], limit: int = OFFERED) -> tuple[Entry, ...]:
    """The entries a decline offers as questions to tap: the likeliest `limit`, when the question is on the
    guide's subject, about nothing it is not about, and the best is at least OFFER_FLOOR likely.
    A close call then costs a tap instead of a wrong answer: the right entry is usually ranked near the top
    even when its lead is too small to answer with (docs/benchmarks.md)."""
    if not ranked or not ranked[0].in_domain or ranked[0].off_topic or ranked[0].score < OFFER_FLOOR:
        return ()
    return tuple(scored.entry for scored in ranked[:limit])


@functools.cache
def default_guide() -> Guide:
    """The guide over every entry with the saved model, built once per process."""
    return Guide(model=saved_model())
