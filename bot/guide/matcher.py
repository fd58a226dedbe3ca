"""Which guide entry answers a question, and whether the guide should answer at all.

A hand-written scorer, measured against rapidfuzz, rank-bm25 and scikit-learn's TF-IDF on the held-out questions
(scripts/bench_faq.py, docs/benchmarks.md; it ranks best of the four). Each entry is a bag of terms: the stems
(synonyms folded, bot.guide.text) and neighbouring pairs of its question, its asks and its phrasings
(bot.guide.phrasings) (weight 1), and its topic's words (weight 1/2). A question
scores, for each entry, the sum of idf x weight of the terms they share; idf is counted over entries, so a
word every entry has ("back", "scar") counts little and "hurt" or "cost" a lot.

OFF_TOPIC words (another body part, condition or treatment) are never answered. Three numbers decide whether
to answer (all tuned on the tune half of tests/guide/labelled_questions/ by bot.guide.labelled.tune, never by
hand): the best entry's score, its margin over the next entry, and its *coverage*, the share of the
question's own words (idf-weighted; a word the guide has never seen counts UNKNOWN_IDF) that the entry
explains. "does laser hair removal hurt" shares "laser" and "hurt" with the laser-pain entry, but "hair" and
"removal" are unexplained, so it is declined rather than answered with a confident wrong paragraph.

Three refinements, each for a failure seen on the tune split: the entry's own question counts again
(QUESTION_BONUS x the overlap of the question with the entry's closest wording), so "what is microdermabrasion"
finds the overview rather than any entry that mentions microdermabrasion; an entry about another treatment than the one
named loses SUBJECT_MISS of its score ("results from exfoliating" is not the laser results entry); and a
question with no word of the domain at all (DOMAIN_WORDS, or any topic's words) is declined ("how much do
braces cost").
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from bot.guide.entries import ENTRIES, TOPIC_WORDS
from bot.guide.entry import Entry
from bot.guide.phrasings import PHRASINGS
from bot.guide.text import SYNONYMS, bigrams, canon, tokens
from bot.guide.typos import Speller

TOPIC_WEIGHT: Final = 0.5
UNKNOWN_IDF: Final = 3.5  # what a word the guide never uses weighs in a question's total (~ a word of one entry)
QUESTION_BONUS: Final = 16.0
SUBJECT_MISS: Final = 0.6
MIN_TYPO_LEN: Final = 6  # a rarer wording word this long, one edit from a common one, is taken as its typo
# The treatments: a question naming one is about that one.
SUBJECT_TOPICS: Final = ("exfoliation", "creams", "microderm", "peels", "laser")
DOMAIN_WORDS: Final = (
    "acne bacne scar scars scarring skin back spot spots pimple pimples zit zits breakout breakouts pore pores "
    "blemish marks sweat sweaty sweating shower gym workout exercise clothes clothing wear shirt towel towels "
    "sheets soap wash cleanser dermatologist doctor sun sunscreen tan tanning pregnant pregnancy breastfeeding "
    "retinol vitamin acid"
)
# Words that name what the guide is not about: another part of the body, another condition, another
# treatment. A question with one is declined though it shares "laser" and "hurt" with an entry ("does laser hair
# removal hurt", "how often should I wash my hair"). From general knowledge, not from the labelled questions.
OFF_TOPIC: Final = (
    "hair hairs scalp dandruff eye eyes eyelash eyebrow teeth tooth toothbrush gum gums nail nails toenail "
    "fingernail armpit armpits underarm foot feet toe toes knee lip lips nose ear ears mouth throat stomach belly "
    "wart warts eczema psoriasis rosacea dermatitis hives mole moles freckle freckles wrinkle wrinkles cellulite "
    "sunburn sunburnt burnt cold sore sores herpes flu fever cough headache migraine allergy allergies hayfever "
    "tattoo tattoos piercing braces surgery botox filler fillers lipo liposuction weight diet calories "
    "stretch dog cat pet baby teething car fly flying flight flights travel travelling plane airport snore snoring"
)
# Tuned on the tune split (bot.guide.labelled.tune; tests/guide/test_tuning.py checks they are its result).
MIN_SCORE: Final = 19.0
MIN_COVERAGE: Final = 0.0
MIN_MARGIN: Final = 0.02


@dataclass(frozen=True, slots=True)
class Scored:
    entry: Entry
    score: float
    coverage: float  # 0..1: how much of the question this entry explains
    in_domain: bool = True  # the question has a word about skin, acne or the guide's topics
    closeness: float = 1.0  # 0..1: how close the entry's closest wording is to the question (idf-weighted F1)
    margin: float = 1.0  # 0..1: how far ahead of the next entry, (score - next score) / score
    off_topic: bool = False  # the question names something the guide is not about (OFF_TOPIC): never answered


@dataclass(frozen=True, slots=True)
class Answer:
    """The entry to answer with, or None (decline); `ranked` best first either way, for the closest topics."""

    entry: Entry | None
    ranked: tuple[Scored, ...]

    def closest_topics(self, limit: int = 3) -> list[str]:
        found: list[str] = []
        for scored in self.ranked:
            if scored.entry.topic not in found:
                found.append(scored.entry.topic)
        return found[:limit]


class Guide:
    """An immutable index over guide entries; everything about the content is computed once, here."""

    def __init__(
        self,
        entries: Sequence[Entry] = ENTRIES,
        *,
        min_score: float = MIN_SCORE,
        min_coverage: float = MIN_COVERAGE,
        min_margin: float = MIN_MARGIN,
        phrasings: dict[str, tuple[str, ...]] = PHRASINGS,
    ) -> None:
        self.entries: tuple[Entry, ...] = tuple(entries)
        self._phrasings = phrasings
        self.min_score = min_score
        self.min_coverage = min_coverage
        self.min_margin = min_margin
        self._by_id = {e.id: e for e in self.entries}
        self._typo_of = self._typos_in_wordings()
        weights: list[dict[str, float]] = []
        for entry in self.entries:
            terms: dict[str, float] = {}
            for phrase in TOPIC_WORDS.get(entry.topic, ()):
                stems = tokens(phrase)
                for term in (*stems, *bigrams(stems)):
                    terms[term] = TOPIC_WEIGHT
            for phrase in self.wordings(entry):
                stems = self._wording_tokens(phrase)
                for term in (*stems, *bigrams(stems)):
                    terms[term] = 1.0
            weights.append(terms)
        count = len(self.entries)
        document_frequency: dict[str, int] = {}
        for terms in weights:
            for term in terms:
                document_frequency[term] = document_frequency.get(term, 0) + 1
        self._idf = {t: math.log(1 + count / df) for t, df in document_frequency.items()}
        self._postings: dict[str, tuple[tuple[int, float], ...]] = {}
        for term in document_frequency:
            self._postings[term] = tuple((i, w[term] * self._idf[term]) for i, w in enumerate(weights) if term in w)
        self._speller = Speller(
            [*(t for t in document_frequency if " " not in t), *SYNONYMS],
            {t: frozenset(i for i, _ in self._postings[t]) for t in document_frequency if " " not in t},
        )
        # Each wording of each entry (its question and its asks), as idf-weighted stems: the closest one to a
        # question earns the entry QUESTION_BONUS x their overlap.
        self._wordings: list[tuple[tuple[dict[str, float], float], ...]] = []
        for entry in self.entries:
            wordings = []
            for phrase in self.wordings(entry):
                terms_of = {t: self._idf.get(t, 0.0) for t in self._wording_tokens(phrase)}
                if terms_of:
                    wordings.append((terms_of, sum(terms_of.values())))
            self._wordings.append(tuple(wordings))
        self._subjects: dict[str, frozenset[str]] = {
            topic: frozenset(t for phrase in TOPIC_WORDS[topic] for t in tokens(phrase)) for topic in SUBJECT_TOPICS
        }
        self._entry_terms: list[frozenset[str]] = [frozenset(w) for w in weights]
        self._off_topic: frozenset[str] = frozenset(tokens(OFF_TOPIC)) - {
            t for e in self.entries for w in self.wordings(e) for t in tokens(w)
        }
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
            fixed = stem if stem in self._idf else self._speller.correct(stem)
            found.append(canon(fixed) if fixed else stem)
        return found

    def rank(self, question: str, limit: int = 5) -> tuple[Scored, ...]:
        """Entries sharing anything with the question, best first (ties: content order)."""
        stems = self.terms(question)
        if not stems:
            return ()
        unique = dict.fromkeys(stems)
        total = sum(self._idf.get(s, UNKNOWN_IDF) for s in unique)
        scores: dict[int, float] = {}
        explained: dict[int, float] = {}
        for term in (*unique, *dict.fromkeys(bigrams(stems))):
            for index, weight in self._postings.get(term, ()):
                scores[index] = scores.get(index, 0.0) + weight
                if " " not in term:
                    explained[index] = explained.get(index, 0.0) + self._idf[term]
        named = {t for words in self._subjects.values() for t in words if t in unique}
        closeness: dict[int, float] = {}
        for index in scores:
            closeness[index] = self._closest_wording(index, unique, total)
            scores[index] += QUESTION_BONUS * closeness[index]
            if named and not named & self._entry_terms[index]:
                scores[index] *= SUBJECT_MISS
        best = sorted(scores, key=lambda i: (-scores[i], i))[:limit]
        domain = any(t in self._domain for t in unique)
        elsewhere = any(t in self._off_topic for t in unique)
        return tuple(
            Scored(
                self.entries[i],
                round(scores[i], 4),
                round(explained.get(i, 0.0) / total, 4),
                domain,
                round(closeness[i], 4),
                round(1 - scores[best[n + 1]] / scores[i], 4) if n + 1 < len(best) and scores[i] > 0 else 1.0,
                elsewhere,
            )
            for n, i in enumerate(best)
        )

    def _closest_wording(self, index: int, unique: dict[str, None], total: float) -> float:
        """0..1: the F1 of the entry's closest wording and the question (idf-weighted overlap both ways)."""
        best = 0.0
        for terms_of, mass in self._wordings[index]:
            shared = sum(w for t, w in terms_of.items() if t in unique)
            if shared and mass:
                precision, recall = shared / mass, shared / total
                best = max(best, 2 * precision * recall / (precision + recall))
        return best

    def in_domain(self, question: str) -> bool:
        """Whether the question has any word about skin, acne or the guide's topics."""
        return any(t in self._domain for t in self.terms(question))

    def answer(self, question: str) -> Answer:
        ranked = self.rank(question)
        if ranked and self.confident(ranked[0]):
            return Answer(ranked[0].entry, ranked)
        return Answer(None, ranked)

    def confident(
        self,
        best: Scored,
        min_score: float | None = None,
        min_coverage: float | None = None,
        min_margin: float | None = None,
    ) -> bool:
        """Whether `best` is good enough to answer with (these thresholds, or the guide's)."""
        floor = self.min_score if min_score is None else min_score
        share = self.min_coverage if min_coverage is None else min_coverage
        ahead = self.min_margin if min_margin is None else min_margin
        return (
            best.in_domain
            and not best.off_topic
            and best.score >= floor
            and best.coverage >= share
            and best.margin >= ahead
        )


@functools.cache
def default_guide() -> Guide:
    """The guide over every entry, built once per process."""
    return Guide()
