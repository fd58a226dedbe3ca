"""The guide's ranking experiments of docs/benchmarks.md (#15), on the tune part only, none of them shipped.

`.venv/bin/python -m scripts.guide_experiments {curve,weights,stage2}` prints, for each variant, the figures
`labelled.cross_validate` gives on out-of-fold rankings (5 folds, every 5th question; each fold's thresholds
tuned on the other folds, as the shipped ones are): best-ranked right, top-1, confident wrong, in-scope declines
and the cost the thresholds minimise (WRONG_COST per confident wrong answer plus one per in-scope decline).

- curve: each fold's model trained on 25%, 50%, 75% or all of the other folds' questions (is more data the lever?)
- weights: classes weighted to balance, and C halved or doubled, against the shipped settings
- stage2: a learnt decision on ten numbers of the ranking (logistic regression, gradient boosting) instead of
  the two thresholds, itself cross-validated and with its threshold chosen on the other folds

The sentence-encoder rows of the same table need PyTorch and a pretrained model, which this project does not
depend on; they are not reproduced here (docs/benchmarks.md says how they were measured).
"""

from __future__ import annotations

import argparse
import math
import random
from collections.abc import Callable, Sequence
from typing import Any, Final

import numpy as np

from bot.guide import labelled as labelled_set
from bot.guide.matcher import Guide, Scored, trusted
from bot.guide.model import Model, Thresholds
from bot.guide.text import tokens
from bot.guide.training import C, documents, fit, out_of_fold

FOLDS: Final = labelled_set.FOLDS
Ranked = list[tuple[Scored, ...]]


def _ranked_by(
    guide: Guide, tune: Sequence[labelled_set.Question], make: Callable[[list[labelled_set.Question]], Model]
) -> Ranked:
    """Each tune question ranked by a model `make` trains on the other folds' questions."""
    ranked: Ranked = [()] * len(tune)
    for fold in range(FOLDS):
        kept = [q for i, q in enumerate(tune) if i % FOLDS != fold]
        judge = Guide(guide.entries, model=make(kept))
        for i in range(fold, len(tune), FOLDS):
            ranked[i] = judge.rank(tune[i].text)
    return ranked


def _row(name: str, figures: labelled_set.Figures) -> str:
    cost = _cost(figures)
    return (
        f"| {name} | {figures.ranked_top1:.1%} | {figures.top1:.1%} | {figures.confident_wrong:.1%} | "
        f"{figures.in_scope_declines:.1%} | {cost:.0f} |"
    )


def _cost(figures: labelled_set.Figures) -> float:
    wrong = round(figures.confident_wrong * figures.questions)
    declined = round(figures.in_scope_declines * figures.in_scope)
    return labelled_set.WRONG_COST * wrong + declined


def curve(guide: Guide, tune: Sequence[labelled_set.Question]) -> list[str]:
    lines = []
    for fraction in (0.25, 0.5, 0.75, 1.0):

        def make(kept: list[labelled_set.Question], fraction: float = fraction) -> Model:
            chosen = random.Random(len(kept)).sample(kept, math.floor(len(kept) * fraction))
            return fit(guide, documents(guide, chosen))

        figures = labelled_set.cross_validate(tune, _ranked_by(guide, tune, make))
        lines.append(_row(f"trained on {fraction:.0%} of each fold's tune questions", figures))
    return lines


def weights(guide: Guide, tune: Sequence[labelled_set.Question]) -> list[str]:
    lines = []
    for name, c, balanced in (
        (f"shipped: C = {C:g}", C, False),
        ("classes weighted to balance", C, True),
        (f"C = {C * 2:g}", C * 2, False),
        (f"C = {C / 2:g}", C / 2, False),
    ):

        def make(kept: list[labelled_set.Question], c: float = c, balanced: bool = balanced) -> Model:
            return fit(guide, documents(guide, kept), c=c, balanced=balanced)

        lines.append(_row(name, labelled_set.cross_validate(tune, _ranked_by(guide, tune, make))))
    return lines


def _decision_numbers(guide: Guide, question: str, ranked: tuple[Scored, ...]) -> list[float]:
    """Ten numbers a learnt decision reads: the best probabilities and leads, how much of the probability the
    best entry's topic holds, and how long and how familiar the question is."""
    scores = [s.score for s in ranked]
    top = ranked[0]
    second = scores[1] if len(scores) > 1 else 0.0
    same_topic = sum(s.score for s in ranked if s.entry.topic == top.entry.topic)
    words = tokens(question)
    unchanged = sum(t == w for t, w in zip(guide.terms(question), words, strict=True)) / max(1, len(words))
    return [
        top.score,
        top.margin,
        second,
        top.score - second,
        top.score - top.margin,
        same_topic,
        float(len(words)),
        unchanged,
        math.log1p(len(question)),
        sum(scores),
    ]


def stage2(guide: Guide, tune: Sequence[labelled_set.Question]) -> list[str]:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    ranked = out_of_fold(guide, tune)
    shipped = labelled_set.cross_validate(tune, ranked)
    n = len(tune)
    x = np.zeros((n, 10))
    right = np.zeros(n, dtype=bool)
    eligible = np.zeros(n, dtype=bool)
    any_answer = Thresholds(-1.0, -2.0)  # the rule's other conditions: domain, off topic, DECLINE
    for i, (question, scored) in enumerate(zip(tune, ranked, strict=True)):
        if scored:
            x[i] = _decision_numbers(guide, question.text, scored)
            right[i] = scored[0].entry.id in question.labels
            eligible[i] = trusted(scored[0], any_answer) and scored[0].margin > 0
    in_scope = np.array([q.in_scope for q in tune])
    folds = np.arange(n) % FOLDS
    lines = [_row("shipped: two thresholds", shipped)]
    learners: tuple[tuple[str, Callable[[], Any]], ...] = (
        ("second stage: logistic regression", lambda: LogisticRegression(max_iter=2000, C=1.0)),
        (
            "second stage: gradient boosting",
            lambda: HistGradientBoostingClassifier(max_depth=3, max_iter=150, learning_rate=0.05, random_state=0),
        ),
    )
    for name, make in learners:
        p = np.zeros(n)
        for fold in range(FOLDS):
            train = (folds != fold) & eligible
            p[folds == fold] = make().fit(x[train], right[train]).predict_proba(x[folds == fold])[:, 1]
        p[~eligible] = 0.0
        answered = np.zeros(n, dtype=bool)
        for fold in range(FOLDS):  # the threshold on p chosen on the other folds, by the same cost
            other = folds != fold
            best = min(
                np.linspace(0, 1, 101),
                key=lambda t: (
                    labelled_set.WRONG_COST * (other & eligible & (p >= t) & ~right).sum()
                    + (other & in_scope & ~(eligible & (p >= t))).sum()
                ),
            )
            answered[folds == fold] = eligible[folds == fold] & (p[folds == fold] >= best)
        wrong = int((answered & ~right).sum())
        declined = int((in_scope & ~answered).sum())
        top1 = (answered & right).sum() / in_scope.sum()
        lines.append(
            f"| {name} | {shipped.ranked_top1:.1%} | {top1:.1%} | {wrong / n:.1%} | "
            f"{declined / in_scope.sum():.1%} | {labelled_set.WRONG_COST * wrong + declined:.0f} |"
        )
    return lines


EXPERIMENTS: Final = {"curve": curve, "weights": weights, "stage2": stage2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", choices=sorted(EXPERIMENTS))
    chosen = parser.parse_args().experiment
    guide = Guide()
    tune = labelled_set.of_split(labelled_set.load(), labelled_set.TUNE)
    print(
        f"| {chosen} (tune part, {len(tune)} questions, 5-fold out of fold) | best-ranked right | top-1 | "
        "confident wrong | in-scope declines | cost |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for line in EXPERIMENTS[chosen](guide, tune):
        print(line, flush=True)


if __name__ == "__main__":
    main()
