"""The labelled questions (tests/guide/labelled_questions/): load them, measure the guide, tune its thresholds.

Each line is `label<TAB>split<TAB>question`: the entry id that answers it (several with "|" where two answer
it equally well), or "-" for a question the guide should decline; `split` is "tune" (the classifier is trained
and its thresholds tuned on these, bot.guide.training), "held" (only ever measured) or "fresh" (only ever
measured too, and written later: a second held-out part, whose figures no choice was made on when they were
first reported). The split is fixed in the file, so the held-out figures in `make bench` and
docs/benchmarks.md are on questions neither the model nor the thresholds ever saw.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from bot.guide.matcher import Guide, Scored, offered, trusted
from bot.guide.model import Thresholds

DATA: Final = Path(__file__).resolve().parents[2] / "tests" / "guide" / "labelled_questions" / "guide_questions.tsv"
DECLINE: Final = "-"
TUNE: Final = "tune"
HELD: Final = "held"
FRESH: Final = "fresh"
SPLITS: Final = (TUNE, HELD, FRESH)
# A wrong answer costs more than a decline: the person is told something confidently that is not about
# their question, where a decline at least says so and offers the closest topics.
WRONG_COST: Final = 3.0
PROBABILITY_GRID: Final = tuple(x / 40 for x in range(0, 39))  # 0 .. 0.95
GAP_GRID: Final = tuple(x / 40 for x in range(0, 37))  # 0 .. 0.9
FOLDS: Final = 5  # the folds of the tune part, in training and in cross_validate
_ANSWER_ANY: Final = Thresholds(-1.0, -2.0)  # cross_validate's rankings are what was said: answer each


@dataclass(frozen=True, slots=True)
class Question:
    labels: frozenset[str]  # entry ids that answer it; empty: decline
    split: str
    text: str

    @property
    def in_scope(self) -> bool:
        return bool(self.labels)


@dataclass(frozen=True, slots=True)
class Figures:
    questions: int
    in_scope: int
    top1: float  # in-scope questions answered with a right entry (a decline counts as a miss)
    ranked_top1: float  # in-scope questions whose best-ranked entry is right, before any threshold
    confident_wrong: float  # of all questions: answered with an entry that does not answer it
    in_scope_declines: float  # of in-scope questions: declined
    out_of_scope_declined: float  # of out-of-scope questions: declined, as they should be
    within_a_tap: float  # of in-scope questions: answered right, or declined with a right entry offered to tap
    misses: tuple[tuple[str, str, str], ...]  # (question, expected, what was answered or "-")


def load(path: Path = DATA) -> list[Question]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if number == 1 or not line.strip():
            continue  # the header
        label, split, text = line.split("\t")
        if split not in SPLITS:
            raise ValueError(f"{path}:{number}: split must be one of {', '.join(SPLITS)}, not {split!r}")
        labels = frozenset() if label == DECLINE else frozenset(label.split("|"))
        found.append(Question(labels, split, text))
    return found


def of_split(questions: Iterable[Question], split: str) -> list[Question]:
    return [q for q in questions if q.split == split]


Ranked = Sequence[Sequence[Scored]]


def measure(guide: Guide, questions: Sequence[Question], thresholds: Thresholds | None = None) -> Figures:
    """The figures of `guide` (with its thresholds, or these) on `questions`."""
    use = thresholds or guide.thresholds
    if use is None:
        raise ValueError("no thresholds: pass them, or measure a guide with a model")
    return _figures(questions, [guide.rank(q.text) for q in questions], use)


def tune(questions: Sequence[Question], ranked: Ranked) -> Thresholds:
    """The thresholds of the grids with the lowest cost on these rankings of `questions`: WRONG_COST per
    confident wrong answer plus one per in-scope decline; ties go to the lowest thresholds (the first found).

    The whole grid at once with numpy (it is run 5 times per cross-validation): `trusted`'s rule with the two
    thresholds compared here, and the counts of `_figures`, which tests/guide/test_labelled.py checks it against."""
    tops = [scored[0] if scored else None for scored in ranked]
    # `trusted` with no thresholds holds its other rules (in the domain, nothing off it, ahead of DECLINE)
    eligible = np.array([t is not None and trusted(t, _ANSWER_ANY) for t in tops])
    score = np.array([t.score if t is not None else 0.0 for t in tops])
    margin = np.array([t.margin if t is not None else 0.0 for t in tops])
    right = np.array([t is not None and t.entry.id in q.labels for q, t in zip(questions, tops, strict=True)])
    in_scope = np.array([q.in_scope for q in questions])
    probabilities = np.array(PROBABILITY_GRID)[:, None, None]
    gaps = np.array(GAP_GRID)[None, :, None]
    answered = eligible & (score >= probabilities) & (margin >= gaps)  # (probability, gap, question)
    wrong = (answered & ~right).sum(axis=2)  # a right answer is to an in-scope question by definition
    declined = (~answered & in_scope).sum(axis=2)
    cost = WRONG_COST * wrong + declined
    # the first cheapest in the order the grids are listed: probability first, then gap
    at = int(np.argmin(cost))
    return Thresholds(PROBABILITY_GRID[at // len(GAP_GRID)], GAP_GRID[at % len(GAP_GRID)])


def cross_validate(questions: Sequence[Question], ranked: Ranked, folds: int = FOLDS) -> Figures:
    """The figures of thresholds tuned without each question: the questions in `folds` folds (every
    folds-th), each answered with the thresholds tuned on the others. With out-of-fold rankings
    (bot.guide.training.out_of_fold), an estimate from the tune part alone of how the guide fares on new questions."""
    said: list[Sequence[Scored]] = [()] * len(questions)
    for fold in range(folds):
        inside = [i for i in range(len(questions)) if i % folds != fold]
        thresholds = tune([questions[i] for i in inside], [ranked[i] for i in inside])
        for i in range(fold, len(questions), folds):
            # what these thresholds answer: the best entry if confident, nothing otherwise
            said[i] = ranked[i][:1] if ranked[i] and trusted(ranked[i][0], thresholds) else ()
    return _figures(questions, said, _ANSWER_ANY, ranked_by=ranked)


def _figures(
    questions: Sequence[Question],
    ranked: Ranked,
    thresholds: Thresholds,
    ranked_by: Ranked | None = None,
) -> Figures:
    right = ranked_right = wrong = declined_in = declined_out = tapped = 0
    misses = []
    for number, (question, scored) in enumerate(zip(questions, ranked, strict=True)):
        top = scored[0] if scored else None
        answered = top is not None and (thresholds is _ANSWER_ANY or trusted(top, thresholds))
        listed = ranked if ranked_by is None else ranked_by  # cross_validate: what was ranked first, answered or not
        first = listed[number][0] if listed[number] else None
        said = top.entry.id if answered and top is not None else DECLINE
        if question.in_scope:
            ranked_right += first is not None and first.entry.id in question.labels
            if not answered:
                declined_in += 1
                tapped += any(e.id in question.labels for e in offered(listed[number]))
            elif said in question.labels:
                right += 1
            else:
                wrong += 1
        elif answered:
            wrong += 1
        else:
            declined_out += 1
        if said not in question.labels and not (said == DECLINE and not question.in_scope):
            misses.append((question.text, "|".join(sorted(question.labels)) or DECLINE, said))
    in_scope = sum(q.in_scope for q in questions)
    out_of_scope = len(questions) - in_scope
    return Figures(
        questions=len(questions),
        in_scope=in_scope,
        top1=right / in_scope if in_scope else 0.0,
        ranked_top1=ranked_right / in_scope if in_scope else 0.0,
        confident_wrong=wrong / len(questions) if questions else 0.0,
        in_scope_declines=declined_in / in_scope if in_scope else 0.0,
        out_of_scope_declined=declined_out / out_of_scope if out_of_scope else 0.0,
        within_a_tap=(right + tapped) / in_scope if in_scope else 0.0,
        misses=tuple(misses),
    )
