"""The second annotator's labels: well formed, on exactly the held-out questions, and scored as the guide is."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.guide import agreement, default_guide
from bot.guide import labelled as labelled_set

QUESTIONS = labelled_set.load()
SECOND = agreement.load()


def _first(label: str, split: str = labelled_set.HELD, text: str = "q") -> labelled_set.Question:
    return labelled_set.Question(frozenset() if label == "-" else frozenset(label.split("|")), split, text)


def _second(best: str, also: str = "-", split: str = labelled_set.HELD, text: str = "q") -> agreement.SecondLabel:
    return agreement.SecondLabel(
        None if best == "-" else best, frozenset() if also == "-" else frozenset(also.split("|")), split, text
    )


def test_the_second_labels_cover_both_held_out_parts_question_for_question() -> None:
    for split in (labelled_set.HELD, labelled_set.FRESH):
        first = labelled_set.of_split(QUESTIONS, split)
        second = agreement.of_split(SECOND, split)
        assert [q.text for q in first] == [s.text for s in second]
    assert len(SECOND) == len(labelled_set.of_split(QUESTIONS, labelled_set.HELD)) + len(
        labelled_set.of_split(QUESTIONS, labelled_set.FRESH)
    )


def test_the_second_labels_name_entries() -> None:
    ids = {e.id for e in default_guide().entries}
    assert all(s.accepted <= ids for s in SECOND)
    assert all(s.best not in s.also for s in SECOND)


def test_each_choice_is_scored_as_a_guide_answer_would_be() -> None:
    first = [
        _first("a", text="1"),  # the second's best is a first label: right
        _first("a|b", text="2"),  # the second's best is the other first label: right
        _first("a", text="3"),  # the second chose another entry: confident wrong
        _first("a", text="4"),  # the second declined an in-scope question
        _first("-", text="5"),  # both decline
        _first("-", text="6"),  # the second answered what the first labels decline: confident wrong
    ]
    second = [
        _second("a", text="1"),
        _second("b", "c", text="2"),
        _second("c", "a", text="3"),  # "also" does not rescue a wrong best choice
        _second("-", text="4"),
        _second("-", text="5"),
        _second("a", text="6"),
    ]
    found = agreement.agreement(first, second)
    assert (found.questions, found.in_scope) == (6, 4)
    assert found.top1 == 2 / 4
    assert found.confident_wrong == 2 / 6
    assert found.in_scope_declines == 1 / 4
    assert found.out_of_scope_declined == 1 / 2
    assert found.scope_agreed == 4 / 6  # 1, 2, 3 and 5
    assert found.both_answer == 3 and found.both_answer_right == 2 / 3  # 1, 2 and 3; 3 is wrong


def test_reversed_the_first_labels_are_answers_right_when_they_share_an_entry_the_second_accepts() -> None:
    first = [
        _first("a|b", text="1"),  # shares b with the second's "also": right
        _first("a", text="2"),  # shares nothing: confident wrong
        _first("a", text="3"),  # the second declines it: a confident wrong answer by the second's yardstick
        _first("-", text="4"),  # the first declines what the second answers: an in-scope decline
        _first("-", text="5"),  # both decline
    ]
    second = [
        _second("c", "b", text="1"),
        _second("c", text="2"),
        _second("-", text="3"),
        _second("a", text="4"),
        _second("-", text="5"),
    ]
    found = agreement.reverse(first, second)
    assert (found.questions, found.in_scope, found.both_answer) == (5, 3, 2)
    assert found.top1 == 1 / 3
    assert found.confident_wrong == 2 / 5
    assert found.in_scope_declines == 1 / 3
    assert found.out_of_scope_declined == 1 / 2
    assert found.scope_agreed == 3 / 5  # 1, 2 and 5
    assert found.both_answer_right == 1 / 2


def test_the_kinder_yardstick_accepts_either_annotators_entries_and_counts_in_scope_only_what_both_answer() -> None:
    first = [
        _first("a", text="1"),  # the guide says b, the second accepts b: right
        _first("a", text="2"),  # the guide says c, which neither accepts: confident wrong
        _first("a", text="3"),  # the guide declines: an in-scope decline
        _first("a", text="4"),  # the second declines it: out of scope, and "a" is no wrong answer
        _first("-", text="5"),  # the first declines it, the guide says what the second accepts: no wrong answer
        _first("-", text="6"),  # both decline, the guide answers: confident wrong
    ]
    second = [
        _second("b", text="1"),
        _second("a", text="2"),
        _second("a", text="3"),
        _second("-", text="4"),
        _second("d", text="5"),
        _second("-", text="6"),
    ]
    said = ["b", "c", None, "a", "d", "e"]
    ranked = ["b", "a", "a", "a", "d", "e"]  # best-ranked by the first labels: 2 and 3 of the 3 in scope
    found = agreement.kinder(first, second, said, ranked)
    assert (found.questions, found.in_scope) == (6, 3)
    assert found.top1 == 1 / 3
    assert found.confident_wrong == 2 / 6
    assert found.in_scope_declines == 1 / 3
    assert found.ranked_top1 == 2 / 3


def test_the_guides_choices_are_what_it_is_measured_on() -> None:
    # With a "second annotator" who agrees with the first labels, the kinder yardstick is the guide's own: so the
    # answers and rankings guide_choices reads are the ones labelled.measure scores.
    held = labelled_set.of_split(QUESTIONS, labelled_set.HELD)
    echo = [
        _second(min(q.labels) if q.labels else "-", "|".join(sorted(q.labels)[1:]) or "-", q.split, q.text)
        for q in held
    ]
    guide = default_guide()
    said, ranked = agreement.guide_choices(guide, held)
    kind = agreement.kinder(held, echo, said, ranked)
    measured = labelled_set.measure(guide, held)
    assert kind.in_scope == measured.in_scope
    assert kind.top1 == pytest.approx(measured.top1)
    assert kind.confident_wrong == pytest.approx(measured.confident_wrong)
    assert kind.in_scope_declines == pytest.approx(measured.in_scope_declines)
    assert kind.ranked_top1 == pytest.approx(measured.ranked_top1)


def test_two_label_sets_over_different_questions_are_refused() -> None:
    with pytest.raises(ValueError, match="same questions"):
        agreement.agreement([_first("a", text="one")], [_second("a", text="two")])


def test_a_split_the_second_annotator_did_not_label_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "second.tsv"
    path.write_text("best\talso\tsplit\tquestion\nprev-sun\t-\ttune\tq\n", encoding="utf-8")
    with pytest.raises(ValueError, match="split must be one of held, fresh, not 'tune'"):
        agreement.load(path)


def test_a_decline_with_other_entries_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "second.tsv"
    path.write_text("best\talso\tsplit\tquestion\n-\tprev-sun\theld\tq\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no other entry"):
        agreement.load(path)


def test_a_second_careful_annotator_misses_the_targets_of_15_too() -> None:
    # docs/benchmarks.md, 2026-12-03: scored by the first labels, the second annotator answers 140 of the 164
    # in-scope held-out questions right (85.4%), 10 of 212 wrong (4.7%), declines 15 of 164 (9.1%); on the fresh
    # part 88 of 108 (81.5%), 8 of 151 (5.3%), 15 of 108 (13.9%). Targets: >= 90%, <= 2%, <= 5%.
    for split, counts, sizes in (
        (labelled_set.HELD, (140, 10, 15), (212, 164)),
        (labelled_set.FRESH, (88, 8, 15), (151, 108)),
    ):
        found = agreement.agreement(labelled_set.of_split(QUESTIONS, split), agreement.of_split(SECOND, split))
        right, wrong, declined = counts
        assert (found.questions, found.in_scope) == sizes
        assert found.top1 == pytest.approx(right / found.in_scope)
        assert found.confident_wrong == pytest.approx(wrong / found.questions)
        assert found.in_scope_declines == pytest.approx(declined / found.in_scope)
        assert found.top1 < 0.90 and found.confident_wrong > 0.02 and found.in_scope_declines > 0.05


def test_the_gap_between_the_two_people_is_not_one_sided() -> None:
    # docs/benchmarks.md: the first labels scored by the second annotator's give 144 of 150 right, 20 of 212 wrong
    # and 1 of 150 declined on the held-out part (88 of 96, 20 of 151, 3 of 96 on the fresh part): far over the
    # confident-wrong target the other way round. Both annotators answer 149 (93) questions, and agree on scope for
    # 196 of 212 (133 of 151).
    for split, counts, sizes in (
        (labelled_set.HELD, (144, 20, 1, 196), (212, 150, 149)),
        (labelled_set.FRESH, (88, 20, 3, 133), (151, 96, 93)),
    ):
        found = agreement.reverse(labelled_set.of_split(QUESTIONS, split), agreement.of_split(SECOND, split))
        right, wrong, declined, agreed = counts
        assert (found.questions, found.in_scope, found.both_answer) == sizes
        assert found.top1 == pytest.approx(right / found.in_scope)
        assert found.confident_wrong == pytest.approx(wrong / found.questions)
        assert found.in_scope_declines == pytest.approx(declined / found.in_scope)
        assert found.scope_agreed == pytest.approx(agreed / found.questions)
        assert found.confident_wrong > 0.02


def test_by_the_kinder_yardstick_the_guide_still_ranks_below_an_annotator_and_declines_more() -> None:
    # docs/benchmarks.md: on the questions both annotators answer, the second's best is a first label for 94.0% and
    # 94.6%; the guide's best-ranked entry is for 87.2% and 77.4%, and it declines 32.2% and 23.7% of them.
    guide = default_guide()
    for split in (labelled_set.HELD, labelled_set.FRESH):
        first = labelled_set.of_split(QUESTIONS, split)
        second = agreement.of_split(SECOND, split)
        annotator = agreement.agreement(first, second)
        kind = agreement.kinder(first, second, *agreement.guide_choices(guide, first))
        assert kind.in_scope == annotator.both_answer
        assert kind.ranked_top1 < annotator.both_answer_right
        assert kind.in_scope_declines > annotator.in_scope_declines > 0.05
        assert kind.top1 < 0.90
