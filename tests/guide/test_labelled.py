"""The labelled questions: well formed, the thresholds are what tuning on the tune half gives, and the
held-out figures (deterministic) against the targets of #15."""

from __future__ import annotations

import pytest

from bot.guide import Guide, default_guide, matcher
from bot.guide import labelled as labelled_set

QUESTIONS = labelled_set.load()
HELD = labelled_set.of_split(QUESTIONS, labelled_set.HELD)
TUNE = labelled_set.of_split(QUESTIONS, labelled_set.TUNE)


def test_the_set_is_big_and_labels_name_entries() -> None:
    ids = {e.id for e in default_guide().entries}
    assert len(QUESTIONS) >= 300
    assert sum(not q.in_scope for q in QUESTIONS) >= 50
    assert all(q.labels <= ids for q in QUESTIONS)
    assert {e for q in QUESTIONS for e in q.labels} == ids  # every entry is asked about
    assert len(HELD) >= 100 and len(TUNE) >= 100
    assert len({q.text.lower() for q in QUESTIONS}) == len(QUESTIONS)  # no question in both halves


def test_the_thresholds_are_the_ones_tuned_on_the_tune_half() -> None:
    assert labelled_set.tune(default_guide(), TUNE) == (matcher.MIN_SCORE, matcher.MIN_COVERAGE, matcher.MIN_MARGIN)


def test_held_out_figures_do_not_regress() -> None:
    # The held-out part since 2026-12-02: 212 questions written blind (by a writer who saw only the seed text,
    # never the guide), labelled before the guide was run on them (the 8 equal to a guide wording, or to one once
    # normalised, left out). Measured then (docs/benchmarks.md), thresholds retuned on the tune part: top-1
    # 43.6%, confident wrong 7.1%, in-scope declines 49.7%, out-of-scope declined 92.1%; with 228 more blind
    # questions (another writer) in the tune part and the thresholds retuned: 51.7%, 6.6%, 42.3%, 92.1%; with
    # the phrasings' own misspellings read as the words they stand for: 52.3%, 6.1%, 41.6%, 93.7%. (The
    # earlier held-out half, written beside the guide and now in the tune part, had flattered it: 87.7%, 4.0%,
    # 8.2%.)
    figures = labelled_set.measure(default_guide(), HELD)
    assert figures.top1 >= 0.523
    assert figures.confident_wrong <= 0.0614
    assert figures.in_scope_declines <= 0.417
    assert figures.out_of_scope_declined >= 0.936


@pytest.mark.xfail(strict=True, reason="#15's targets are not met yet on the held-out half: see docs/benchmarks.md")
def test_held_out_figures_meet_the_targets() -> None:
    figures = labelled_set.measure(default_guide(), HELD)
    assert figures.top1 >= 0.90
    assert figures.confident_wrong <= 0.02
    assert figures.in_scope_declines <= 0.05


def test_cross_validation_on_the_tune_part_is_close_to_the_tune_figures() -> None:
    # Each fold of the tune part measured with thresholds tuned on the other four: no held-out question used.
    # Measured 2026-12-02: tune 80.8% / 3.5% wrong, cross-validated 80.8% / 5.0% wrong.
    guide = default_guide()
    figures = labelled_set.cross_validate(guide, TUNE)
    tuned = labelled_set.measure(guide, TUNE)
    assert figures.questions == len(TUNE)
    assert figures.top1 >= tuned.top1 - 0.03 and figures.confident_wrong <= tuned.confident_wrong + 0.03


def test_measure_counts_a_wrong_answer_and_a_decline() -> None:
    strict = Guide(min_score=1e9)  # declines everything
    figures = labelled_set.measure(strict, HELD)
    assert figures.top1 == 0.0 and figures.in_scope_declines == 1.0 and figures.confident_wrong == 0.0
    loose = Guide(min_score=0.0, min_coverage=0.0, min_margin=0.0)
    assert labelled_set.measure(loose, HELD).confident_wrong > figures.confident_wrong
