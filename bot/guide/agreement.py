"""How far a second annotator agrees with the labels the guide is measured by: the ceiling of #15's targets.

A second person labelled both held-out parts blind (tests/guide/labelled_questions/second_annotator.tsv): given
only the entries and the questions, never the first labels nor the guide's answers, they chose for each question
the entry that answers it best, or "-" for none, and every other entry that answers it well. Their best choice is
then scored exactly as the guide's answer is (bot.guide.labelled): right when it is among the first labels, a
confident wrong answer when it is not (or the first labels decline the question), an in-scope decline when they
chose "-" for a question the first labels answer. So a careful person's figures sit beside the guide's, on the
same questions and the same yardstick.

Each line is `best<TAB>also<TAB>split<TAB>question`: `also` is "|"-separated ids, or "-" for none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bot.guide.labelled import DATA, DECLINE, Question

SECOND: Final = DATA.with_name("second_annotator.tsv")


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
    """The second annotator's best choices scored by the first labels, in the guide's own figures."""

    questions: int
    in_scope: int  # by the first labels
    top1: float  # of in-scope questions: the second's best is a first label
    confident_wrong: float  # of all questions: the second chose an entry the first labels do not accept
    in_scope_declines: float  # of in-scope questions: the second chose "-"
    out_of_scope_declined: float  # of questions the first labels decline: the second chose "-" too
    scope_agreed: float  # of all questions: both answer it, or both decline it


def load(path: Path = SECOND) -> list[SecondLabel]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if number == 1 or not line.strip():
            continue  # the header
        best, also, split, text = line.split("\t")
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


def agreement(first: Sequence[Question], second: Sequence[SecondLabel]) -> Agreement:
    """The second labels' figures against the first, question by question (the same questions, in order)."""
    if [(q.split, q.text) for q in first] != [(s.split, s.text) for s in second]:
        raise ValueError("the two label sets must hold the same questions in the same order")
    right = wrong = declined_in = declined_out = agreed = 0
    for question, other in zip(first, second, strict=True):
        if other.best is None:
            declined_in += question.in_scope
            declined_out += not question.in_scope
        elif other.best in question.labels:
            right += 1
        else:
            wrong += 1
        agreed += question.in_scope == (other.best is not None)
    in_scope = sum(q.in_scope for q in first)
    out_of_scope = len(first) - in_scope
    return Agreement(
        questions=len(first),
        in_scope=in_scope,
        top1=right / in_scope if in_scope else 0.0,
        confident_wrong=wrong / len(first) if first else 0.0,
        in_scope_declines=declined_in / in_scope if in_scope else 0.0,
        out_of_scope_declined=declined_out / out_of_scope if out_of_scope else 0.0,
        scope_agreed=agreed / len(first) if first else 0.0,
    )


def of_split(second: Sequence[SecondLabel], split: str) -> list[SecondLabel]:
    return [s for s in second if s.split == split]
