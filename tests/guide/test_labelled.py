"""The labelled questions: well formed, the thresholds are what tuning on the tune half gives, and the
held-out figures (deterministic) against the targets of #15."""

from __future__ import annotations

import pytest

from bot.faq import normalize
from bot.guide import Guide, default_guide
from bot.guide import labelled as labelled_set
from bot.guide.matcher import Scored
from bot.guide.model import Thresholds, saved_model

QUESTIONS = labelled_set.load()
HELD = labelled_set.of_split(QUESTIONS, labelled_set.HELD)
TUNE = labelled_set.of_split(QUESTIONS, labelled_set.TUNE)
FRESH = labelled_set.of_split(QUESTIONS, labelled_set.FRESH)
# Measured on 2026-12-03 (docs/benchmarks.md): the floors are those figures.
TOP1_FLOOR = 0.640  # 105 of 164 in scope
WRONG_CEILING = 0.0189  # 4 of 212
DECLINES_CEILING = 0.336  # 55 of 164
OUT_OF_SCOPE_FLOOR = 1.0  # 48 of 48
RANKED_FLOOR = 0.865  # 142 of 164
TAP_FLOOR = 0.914  # 150 of 164: 105 answered right, 45 declined with the right question offered


def test_the_set_is_big_and_labels_name_entries() -> None:
    ids = {e.id for e in default_guide().entries}
    assert len(QUESTIONS) >= 300
    assert sum(not q.in_scope for q in QUESTIONS) >= 50
    assert all(q.labels <= ids for q in QUESTIONS)
    assert {e for q in QUESTIONS for e in q.labels} == ids  # every entry is asked about
    assert len(HELD) >= 100 and len(TUNE) >= 100 and len(FRESH) >= 100
    # no question twice, nor in both parts, once case, accents and punctuation are set aside
    assert len({normalize(q.text) for q in QUESTIONS}) == len(QUESTIONS)


def test_the_thresholds_are_the_cheapest_on_out_of_fold_predictions(
    tune_questions: list[labelled_set.Question], tune_out_of_fold: list[tuple[Scored, ...]]
) -> None:
    # Equal to a fresh tuning on this machine (test_model checks the saved file's fingerprint); here, robustly
    # across machines whose floating point moves a margin near a grid step: within 1% of the cheapest cost.
    saved = default_guide().thresholds
    assert saved is not None
    best = labelled_set.tune(tune_questions, tune_out_of_fold)
    assert _cost(tune_questions, tune_out_of_fold, saved) <= _cost(tune_questions, tune_out_of_fold, best) * 1.01


def test_held_out_figures_do_not_regress() -> None:
    # The held-out part since 2026-12-02: 212 questions written blind (by a writer who saw only the seed text,
    # never the guide), labelled before the guide was run on them; their single misses were not read until
    # 2026-12-03. The hand-written scorer measured 52.3% top-1, 6.1% confident wrong, 41.6% in-scope declines, 93.7%
    # out-of-scope declined (68.5% best-ranked right). The classifier trained on the wordings and the 1,698
    # tune questions (1,346 of them written blind by six other writers): 60.4%, 1.9%, 38.3%, 96.8% (85.9%).
    # On 2026-12-03 its labels were revisited by reading against 16 new entries (not by running the guide),
    # and its misses were then read once, for docs/benchmarks.md; nothing was changed for them.
    figures = labelled_set.measure(default_guide(), HELD)
    assert figures.top1 >= TOP1_FLOOR
    assert figures.confident_wrong <= WRONG_CEILING
    assert figures.in_scope_declines <= DECLINES_CEILING
    assert figures.out_of_scope_declined >= OUT_OF_SCOPE_FLOOR
    assert figures.ranked_top1 >= RANKED_FLOOR
    assert figures.within_a_tap >= TAP_FLOOR


def test_fresh_held_out_figures_do_not_regress() -> None:
    # The second held-out part, 2026-12-03: 170 questions by another writer who saw only the seed text, 151
    # after duplicates of labelled questions (18) and of a wording (1); labelled by reading them against the
    # entries, before the guide was ever run on them. Measured once; its misses are not read, so that it can
    # tell whether later changes generalise. Floors: that first measure.
    figures = labelled_set.measure(default_guide(), FRESH)
    assert (figures.questions, figures.in_scope) == (151, 108)
    assert figures.top1 >= 0.675  # 73 of 108
    assert figures.confident_wrong <= 0.0464  # 7 of 151
    assert figures.in_scope_declines <= 0.260  # 28 of 108
    assert figures.ranked_top1 >= 0.759  # 82 of 108
    assert figures.out_of_scope_declined >= 1.0  # 43 of 43
    assert figures.within_a_tap >= 0.851  # 92 of 108


@pytest.mark.xfail(strict=True, reason="#15's targets are not met yet on the held-out part: see docs/benchmarks.md")
def test_held_out_figures_meet_the_targets() -> None:
    figures = labelled_set.measure(default_guide(), HELD)
    assert figures.top1 >= 0.90
    assert figures.confident_wrong <= 0.02
    assert figures.in_scope_declines <= 0.05


def test_cross_validation_on_the_tune_part_is_near_the_held_out_figures(
    tune_questions: list[labelled_set.Question], tune_out_of_fold: list[tuple[Scored, ...]]
) -> None:
    # Each fold ranked by a model trained without it and answered with thresholds tuned on the other folds:
    # an estimate from the tune part alone, which should be near what questions never seen get, either way.
    # (Measured 2026-12-02: cross-validated 61.7% top-1 and 86.4% best-ranked, held-out 58.4% and 85.2%.)
    figures = labelled_set.cross_validate(tune_questions, tune_out_of_fold)
    held = labelled_set.measure(default_guide(), HELD)
    assert figures.questions == len(tune_questions)
    assert abs(figures.ranked_top1 - held.ranked_top1) <= 0.05
    assert abs(figures.top1 - held.top1) <= 0.06


def test_measure_counts_a_wrong_answer_and_a_decline() -> None:
    strict = Guide(model=saved_model(), thresholds=Thresholds(1.01, 0.0))  # declines everything
    figures = labelled_set.measure(strict, HELD)
    assert figures.top1 == 0.0 and figures.in_scope_declines == 1.0 and figures.confident_wrong == 0.0
    loose = labelled_set.measure(default_guide(), HELD, Thresholds(0.0, 0.0))
    assert loose.confident_wrong > figures.confident_wrong
    assert loose.top1 >= labelled_set.measure(default_guide(), HELD).top1


def test_within_a_tap_counts_right_answers_and_declines_that_offer_a_right_question() -> None:
    # declining everything: within a tap is exactly the declines whose offered questions hold a right entry
    strict = Guide(model=saved_model(), thresholds=Thresholds(1.01, 0.0))
    offered_right = sum(
        any(e.id in q.labels for e in strict.answer(q.text).closest_questions()) for q in HELD if q.in_scope
    )
    figures = labelled_set.measure(strict, HELD)
    assert figures.top1 == 0.0 and figures.within_a_tap == offered_right / figures.in_scope
    assert 0 < offered_right < figures.in_scope
    shipped = labelled_set.measure(default_guide(), HELD)
    assert shipped.top1 < shipped.within_a_tap <= 1.0


def test_tuning_picks_the_cheapest_thresholds_on_the_grid(
    tune_questions: list[labelled_set.Question], tune_out_of_fold: list[tuple[Scored, ...]]
) -> None:
    tuned = labelled_set.tune(tune_questions, tune_out_of_fold)
    others = [Thresholds(p, g) for p in labelled_set.PROBABILITY_GRID[::4] for g in labelled_set.GAP_GRID[::4]]
    cheapest = _cost(tune_questions, tune_out_of_fold, tuned)
    assert all(cheapest <= _cost(tune_questions, tune_out_of_fold, other) + 1e-9 for other in others)


def _cost(questions: list[labelled_set.Question], ranked: list[tuple[Scored, ...]], thresholds: Thresholds) -> float:
    f = labelled_set._figures(questions, ranked, thresholds)
    return labelled_set.WRONG_COST * f.confident_wrong * f.questions + f.in_scope_declines * f.in_scope
