"""`make bench ARGS="--only-faq"` (and the first section of every `make bench`): the treatment guide's
held-out figures, its classifier against rapidfuzz, rank-bm25 and scikit-learn TF-IDF on the same questions
(each given the same documents: the wordings and the tune part's questions), and matching's cost per message."""

from __future__ import annotations

import functools
import random
import statistics
import string
import time

from bot.guide import agreement, default_guide
from bot.guide import labelled as labelled_set
from bot.guide.model import DECLINE
from bot.guide.text import tokens
from bot.guide.training import documents, out_of_fold


def _rapidfuzz_top1(held: list[labelled_set.Question]) -> float | None:
    """Nearest wording by rapidfuzz token_sort_ratio (its best scorer on the tune half), ranked top-1."""
    try:
        from rapidfuzz import fuzz, process, utils
    except ImportError:
        return None
    choices = _documents()
    texts = [c[0] for c in choices]
    in_scope = [q for q in held if q.in_scope]
    right = 0
    for q in in_scope:
        found = process.extractOne(q.text, texts, scorer=fuzz.token_sort_ratio, processor=utils.default_process)
        right += found is not None and choices[found[2]][1] in q.labels
    return right / len(in_scope)


def _bm25_top1(held: list[labelled_set.Question]) -> float | None:
    """rank-bm25 (Okapi) over one document per entry (all its wordings, the guide's own terms), ranked top-1."""
    try:
        from rank_bm25 import BM25Okapi
    except ImportError:
        return None
    guide = default_guide()
    by_entry: dict[str, list[str]] = {e.id: [] for e in guide.entries}
    for text, entry_id in _documents():
        by_entry[entry_id].extend(tokens(text))
    docs = [by_entry[e.id] for e in guide.entries]
    bm25 = BM25Okapi(docs)
    in_scope = [q for q in held if q.in_scope]
    right = 0
    for q in in_scope:
        scores = list(bm25.get_scores(tokens(q.text)))
        right += guide.entries[scores.index(max(scores))].id in q.labels
    return right / len(in_scope)


def _tfidf_top1(held: list[labelled_set.Question]) -> float | None:
    """scikit-learn TF-IDF (char_wb 2-5 and word 1-2 n-grams of the guide's terms), nearest wording by cosine."""
    try:
        from sklearn.feature_extraction.text import (
            TfidfVectorizer,
        )
    except ImportError:
        return None
    choices = [(" ".join(tokens(text)), entry_id) for text, entry_id in _documents()]
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)
    texts = [c[0] for c in choices]
    matrix_c, matrix_w = chars.fit_transform(texts), words.fit_transform(texts)
    in_scope = [q for q in held if q.in_scope]
    right = 0
    for q in in_scope:
        text = [" ".join(tokens(q.text))]
        sims = (matrix_c @ chars.transform(text).T).toarray().ravel() + (
            matrix_w @ words.transform(text).T
        ).toarray().ravel()
        right += choices[int(sims.argmax())][1] in q.labels
    return right / len(in_scope)


@functools.cache
def _questions() -> tuple[labelled_set.Question, ...]:
    return tuple(labelled_set.load())


def _documents() -> list[tuple[str, str]]:
    """What the classifier learns from, for the others too: the wordings and the tune part's in-scope questions."""
    tune = labelled_set.of_split(_questions(), labelled_set.TUNE)
    return [(text, label) for text, label in documents(default_guide(), tune) if label != DECLINE]


def _p99_ms(messages: list[str]) -> tuple[float, float]:
    """Median and p99 of answering each message once (distinct messages: no cache helps)."""
    guide = default_guide()
    guide.answer("warm up")
    times = []
    for message in messages:
        start = time.perf_counter()
        guide.answer(message)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def _pct(value: float | None) -> str:
    return "not installed" if value is None else f"{value:.1%}"


def run() -> list[str]:
    held = labelled_set.of_split(_questions(), labelled_set.HELD)
    figures = labelled_set.measure(default_guide(), held)
    limits = default_guide().thresholds
    assert limits is not None
    rnd = random.Random(20261202)
    long_messages = []
    for _ in range(300):  # 300 different 4,000-character messages of new words
        filler = " ".join("".join(rnd.choices(string.ascii_lowercase, k=rnd.randint(3, 11))) for _ in range(800))
        long_messages.append(("how often should I exfoliate my back? " + filler)[:4000])
    median, p99 = _p99_ms(long_messages)
    short = [q.text for q in held] * 2
    short_median, short_p99 = _p99_ms(short)
    fuzzy = _rapidfuzz_top1(held)
    bm25 = _bm25_top1(held)
    tfidf = _tfidf_top1(held)
    tune = labelled_set.of_split(_questions(), labelled_set.TUNE)
    cv = labelled_set.cross_validate(tune, out_of_fold(default_guide(), tune))
    fresh = labelled_set.measure(default_guide(), labelled_set.of_split(_questions(), labelled_set.FRESH))
    second = agreement.load()
    guide = default_guide()
    people = []  # per held-out part: the second annotator by the first labels, the reverse, the guide kindly judged
    for split in (labelled_set.HELD, labelled_set.FRESH):
        first, other = labelled_set.of_split(_questions(), split), agreement.of_split(second, split)
        kind = agreement.kinder(first, other, *agreement.guide_choices(guide, first))
        people.append((agreement.agreement(first, other), agreement.reverse(first, other), kind))
    lines = [
        "## Treatment guide (held-out part of the labelled questions)",
        "",
        "| figure | value | target |",
        "| --- | --- | --- |",
        f"| thresholds: probability / lead over the next class | {limits.min_probability} / {limits.min_gap} | "
        "tuned out of fold |",
        f"| questions (in scope / to decline) | {figures.in_scope} / {figures.questions - figures.in_scope} | |",
        f"| top-1 answered right | {figures.top1:.1%} | >= 90% |",
        f"| best-ranked entry right (before the threshold) | {figures.ranked_top1:.1%} | |",
        f"| confident wrong answers | {figures.confident_wrong:.1%} | <= 2% |",
        f"| in-scope questions declined | {figures.in_scope_declines:.1%} | <= 5% |",
        f"| out-of-scope questions declined | {figures.out_of_scope_declined:.1%} | |",
        f"| in scope: answered right, or a decline offers the right question to tap | {figures.within_a_tap:.1%} | |",
        f"| fresh held-out part ({fresh.questions} questions, {fresh.in_scope} in scope): top-1 / confident wrong / "
        f"declines / best-ranked / within a tap | {fresh.top1:.1%} / {fresh.confident_wrong:.1%} / "
        f"{fresh.in_scope_declines:.1%} / {fresh.ranked_top1:.1%} / {fresh.within_a_tap:.1%} | |",
        "| a second annotator, blind, scored by the same labels (held-out / fresh): top-1 / confident wrong / "
        "declines | "
        + " and ".join(f"{p.top1:.1%} / {p.confident_wrong:.1%} / {p.in_scope_declines:.1%}" for p, _, _ in people)
        + " | |",
        "| the two annotators: agree on scope / both answer it and the second's best is a first label "
        "(held-out / fresh) | "
        + " and ".join(f"{p.scope_agreed:.1%} / {p.both_answer_right:.1%} of {p.both_answer}" for p, _, _ in people)
        + " | |",
        "| the first labels scored by the second annotator's (held-out / fresh): top-1 / confident wrong / declines | "
        + " and ".join(f"{r.top1:.1%} / {r.confident_wrong:.1%} / {r.in_scope_declines:.1%}" for _, r, _ in people)
        + " | |",
        "| the guide, right when either annotator accepts, in scope when both answer (held-out / fresh): top-1 / "
        "confident wrong / declines / best-ranked is a first label | "
        + " and ".join(
            f"{k.top1:.1%} / {k.confident_wrong:.1%} / {k.in_scope_declines:.1%} / {k.ranked_top1:.1%}"
            for _, _, k in people
        )
        + " | |",
        "| tune part, 5-fold cross-validated: top-1 / confident wrong / declines / best-ranked / within a tap | "
        f"{cv.top1:.1%} / {cv.confident_wrong:.1%} / {cv.in_scope_declines:.1%} / {cv.ranked_top1:.1%} / "
        f"{cv.within_a_tap:.1%} | |",
        f"| rapidfuzz token_sort_ratio, best-ranked right | {_pct(fuzzy)} | |",
        f"| rank-bm25 Okapi, one document per entry, best-ranked right | {_pct(bm25)} | |",
        f"| scikit-learn TF-IDF (char_wb 2-5 + word 1-2), nearest wording right | {_pct(tfidf)} | |",
        f"| match a 4,000-character message, median / p99 | {median:.2f} / {p99:.2f} ms | p99 < 5 ms |",
        f"| match a held-out question, median / p99 | {short_median:.3f} / {short_p99:.3f} ms | |",
    ]
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
