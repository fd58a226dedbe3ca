"""How far a second annotator agrees with the labels the guide is measured by: a ceiling for #15's targets.

A second annotator (an AI helper, like the question writers: no outside person has labelled these) labelled both
held-out parts blind (tests/guide/labelled_questions/second_annotator.tsv): given only the entries and the
questions, never the first labels nor the guide's answers, they chose for each question the entry that answers it
best, or "-" for none, and every other entry that answers it well. Their best choice is then scored exactly as
the guide's answer is (bot.guide.labelled): right when it is among the first labels, a confident wrong answer when
it is not (or the first labels decline the question), an in-scope decline when they chose "-" for a question the
first labels answer. So a careful annotator's figures sit beside the guide's, on the
same questions and the same yardstick. Two more views of the same labels: `reverse` scores the first labels by
the second (is the gap one-sided?), and `kinder` scores the guide by a yardstick either annotator would accept.

Each line is `best<TAB>also<TAB>split<TAB>question`: `also` is "|"-separated ids, or "-" for none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bot.guide.labelled import DATA, DECLINE, FRESH, HELD, Question
from bot.guide.matcher import Guide, trusted

SECOND: Final = DATA.with_name("second_annotator.tsv")
SPLITS: Final = (HELD, FRESH)  # the second annotator labelled the held-out parts only


@dataclass(frozen=True, slots=True)
class SecondLabel:
    best: str | None  # the entry that answers it best; None: no entry does (decline)
    also: frozenset[str]  # other entries that answer it well
    split: str
    text: str

    @property
    def accepted(self) -> frozenset[str]:
        return self.also | {self.best} if self.best is not None else frozenset()


@dataclass(frozen=True, slots=True)
class Agreement:
    """One label set's answers scored by another taken as the truth, in the guide's own figures."""

    questions: int
    in_scope: int  # by the truth
    both_answer: int  # questions the truth and the answers both put in scope
    top1: float  # of in-scope questions: the answer is accepted by the truth
    confident_wrong: float  # of all questions: an answer the truth does not accept (or a question it declines)
    in_scope_declines: float  # of in-scope questions: no answer
    out_of_scope_declined: float  # of questions the truth declines: no answer either
    scope_agreed: float  # of all questions: both answer it, or both decline it
    both_answer_right: float  # of the questions both answer: the answer is accepted (scope set aside)


@dataclass(frozen=True, slots=True)
class Kinder:
    """The guide by a kinder yardstick: an answer is right when either annotator accepts it, and a question is in
    scope only when both put it there (a decline of a question one annotator declines is no miss)."""

    questions: int
    in_scope: int  # both annotators answer it
    top1: float  # of in-scope questions: the guide answered with an entry either annotator accepts
    confident_wrong: float  # of all questions: the guide answered with an entry neither accepts
    in_scope_declines: float  # of in-scope questions: the guide declined
    ranked_top1: float  # of in-scope questions: its best-ranked entry is a first label, as Agreement.both_answer_right


def load(path: Path = SECOND) -> list[SecondLabel]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if number == 1 or not line.strip():
            continue  # the header
        best, also, split, text = line.split("\t")
        if split not in SPLITS:
            raise ValueError(f"{path}:{number}: split must be one of {', '.join(SPLITS)}, not {split!r}")
        if best == DECLINE and also != DECLINE:
            raise ValueError(f"{path}:{number}: a question no entry answers has no other entry either")
        found.append(
            SecondLabel(
                None if best == DECLINE else best,
                frozenset() if also == DECLINE else frozenset(also.split("|")),
                split,
                text,
            )
        )
    return found


def score(truth: Sequence[frozenset[str]], answers: Sequence[frozenset[str]]) -> Agreement:
    """`answers` scored by `truth`, question by question: an empty set is a decline, and an answer is right
    when it shares an entry with the truth (one entry for an annotator's best choice, a set for a label line)."""
    right = wrong = declined_in = declined_out = agreed = both = both_right = 0
    for accepted, answer in zip(truth, answers, strict=True):
        if not answer:
            declined_in += bool(accepted)
            declined_out += not accepted
        elif answer & accepted:
            right += 1
        else:
            wrong += 1
        agreed += bool(accepted) == bool(answer)
        both += bool(accepted and answer)
        both_right += bool(answer & accepted)
    in_scope = sum(bool(accepted) for accepted in truth)
    out_of_scope = len(truth) - in_scope
    return Agreement(
        questions=len(truth),
        in_scope=in_scope,
        both_answer=both,
        top1=right / in_scope if in_scope else 0.0,
        confident_wrong=wrong / len(truth) if truth else 0.0,
        in_scope_declines=declined_in / in_scope if in_scope else 0.0,
        out_of_scope_declined=declined_out / out_of_scope if out_of_scope else 0.0,
        scope_agreed=agreed / len(truth) if truth else 0.0,
        both_answer_right=both_right / both if both else 0.0,
    )


def agreement(first: Sequence[Question], second: Sequence[SecondLabel]) -> Agreement:
    """The second annotator's best choices scored by the first labels (the same questions, in order)."""
    _same_questions(first, second)
    return score([q.labels for q in first], [_best(s) for s in second])


def reverse(first: Sequence[Question], second: Sequence[SecondLabel]) -> Agreement:
    """The first labels scored by the second annotator's: right when they share an entry the second accepts."""
    _same_questions(first, second)
    return score([s.accepted for s in second], [q.labels for q in first])


def kinder(
    first: Sequence[Question], second: Sequence[SecondLabel], said: Sequence[str | None], ranked: Sequence[str | None]
) -> Kinder:
    """The guide's answers (`said`, None for a decline) and best-ranked entries, by the kinder yardstick."""
    _same_questions(first, second)
    right = wrong = declined = ranked_right = in_scope = 0
    for question, other, answer, top in zip(first, second, said, ranked, strict=True):
        accepted = question.labels | other.accepted
        if answer is not None and answer not in accepted:
            wrong += 1
        if question.in_scope and other.best is not None:
            in_scope += 1
            right += answer is not None and answer in accepted
            declined += answer is None
            ranked_right += top is not None and top in question.labels
    return Kinder(
        questions=len(first),
        in_scope=in_scope,
        top1=right / in_scope if in_scope else 0.0,
        confident_wrong=wrong / len(first) if first else 0.0,
        in_scope_declines=declined / in_scope if in_scope else 0.0,
        ranked_top1=ranked_right / in_scope if in_scope else 0.0,
    )


def guide_choices(guide: Guide, questions: Sequence[Question]) -> tuple[list[str | None], list[str | None]]:
    """What the guide answers each question (None: it declines) and the entry it ranks first, answered or not."""
    if guide.thresholds is None:
        raise ValueError("no thresholds: the guide needs a model to answer")
    said: list[str | None] = []
    ranked: list[str | None] = []
    for question in questions:
        scored = guide.rank(question.text)
        top = scored[0] if scored else None
        said.append(top.entry.id if top is not None and trusted(top, guide.thresholds) else None)
        ranked.append(top.entry.id if top is not None else None)
    return said, ranked


def of_split(second: Sequence[SecondLabel], split: str) -> list[SecondLabel]:
    return [s for s in second if s.split == split]


def _best(label: SecondLabel) -> frozenset[str]:
    return frozenset() if label.best is None else frozenset({label.best})


def _same_questions(first: Sequence[Question], second: Sequence[SecondLabel]) -> None:
    if [(q.split, q.text) for q in first] != [(s.split, s.text) for s in second]:
        raise ValueError("the two label sets must hold the same questions in the same order")
