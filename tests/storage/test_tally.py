"""storage/tally.py: folding outcomes one by one gives what a whole history gives, and /progress's figures."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.progress import item_progress, item_progress_from_tally
from storage.records import (
    CANCELLED,
    DONE,
    MISSED,
    PAUSED,
    SENT,
    SKIPPED,
    UNCONFIRMED,
    UNDELIVERABLE,
    Outcome,
    Tally,
)
from storage.tally import DAY, WINDOW, empty, fold, from_outcomes, recent_outcomes

T0 = 1_790_000_000.0
STATUSES = [DONE, SKIPPED, MISSED, UNDELIVERABLE, UNCONFIRMED, CANCELLED, PAUSED]


def folded(outcomes: list[Outcome], at: float) -> Tally | None:
    tally: Tally | None = empty("r1", "a1")
    for outcome in outcomes:
        assert tally is not None
        tally = fold(tally, outcome.due, outcome.status, at)
    return tally


# A reminder's resolved outcomes in due order: gaps of a few minutes to a few days, fractional seconds too.
histories = st.lists(
    st.tuples(st.floats(min_value=60, max_value=4 * DAY), st.sampled_from(STATUSES)), max_size=120
).map(
    lambda steps: [
        Outcome("r1", T0 + sum(gap for gap, _ in steps[: i + 1]), status) for i, (_, status) in enumerate(steps)
    ]
)


@settings(max_examples=300, deadline=None)
@given(histories, st.floats(min_value=0, max_value=40 * DAY))
def test_folding_one_by_one_equals_the_whole_history(outcomes: list[Outcome], later: float) -> None:
    at = (outcomes[-1].due if outcomes else T0) + later
    tally = folded(outcomes, at)
    assert tally == from_outcomes("r1", "a1", reversed(outcomes), at)
    assert tally.last == (outcomes[-1].status if outcomes else "")  # what happened last, counted or not


def test_the_same_newest_outcome_written_again_teaches_an_older_tally_its_last() -> None:
    tally = fold(empty("r1", "a1"), T0, UNDELIVERABLE, T0)
    assert tally is not None and tally.last == UNDELIVERABLE
    older = Tally("r1", "a1", T0, 0, 0, "")  # written before tallies kept `last`
    assert fold(older, T0, UNDELIVERABLE, T0) is None  # nothing in `recent` to tell: dropped, rebuilt with `last`
    counted = fold(empty("r1", "a1"), T0, DONE, T0)
    assert counted is not None
    assert fold(Tally("r1", "a1", T0, 1, 1, counted.recent), T0, DONE, T0) == counted  # learnt from the rewrite


@settings(max_examples=300, deadline=None)
@given(histories, st.floats(min_value=0, max_value=40 * DAY), st.booleans())
def test_progress_from_the_tally_equals_progress_from_history(
    outcomes: list[Outcome], later: float, with_open: bool
) -> None:
    now = (outcomes[-1].due if outcomes else T0) + later
    # Each outcome folded as it happened (resolved an hour after it was due), as the store does.
    tally: Tally | None = empty("r1", "a1")
    for outcome in outcomes:
        assert tally is not None
        tally = fold(tally, outcome.due, outcome.status, min(outcome.due + 3600, now))
    assert tally is not None
    waiting = [Outcome("r1", now - 600, SENT)] if with_open else []  # shown, not answered yet
    assert item_progress_from_tally(tally, waiting, now) == item_progress("r1", outcomes + waiting, now)


def test_streak_rules() -> None:
    statuses = [DONE, DONE, SKIPPED, DONE, UNDELIVERABLE, DONE, MISSED, DONE]
    tally = from_outcomes("r1", "a1", [Outcome("r1", T0 + i * DAY, s) for i, s in enumerate(statuses)], T0)
    assert (tally.current, tally.best) == (1, 4)  # skip and a failed delivery are neutral; a miss breaks it


def test_recent_keeps_only_counted_outcomes_of_the_window() -> None:
    outcomes = [Outcome("r1", T0 + i * DAY + 0.5, s) for i, s in enumerate([DONE, CANCELLED, SKIPPED, MISSED] * 10)]
    at = outcomes[-1].due
    tally = from_outcomes("r1", "a1", outcomes, at)
    expected = [
        (int(o.due), o.status) for o in outcomes if o.status in (DONE, SKIPPED, MISSED) and int(o.due) >= at - WINDOW
    ]
    assert recent_outcomes(tally) == expected
    assert len(tally.recent) <= 8 * len(expected)  # compact: a letter and a base-36 second each


def test_out_of_order_outcome_cannot_be_folded() -> None:
    tally = from_outcomes("r1", "a1", [Outcome("r1", T0, DONE), Outcome("r1", T0 + DAY, DONE)], T0 + DAY)
    assert fold(tally, T0 + DAY / 2, DONE, T0 + DAY) is None  # a snoozed one answered after the next
    assert fold(tally, T0, SKIPPED, T0 + DAY) is None  # a kept outcome changed
    assert fold(tally, T0 - 40 * DAY, MISSED, T0 + DAY) is None  # older than what is kept: unknown


def test_the_same_outcome_written_again_changes_nothing() -> None:
    tally = from_outcomes("r1", "a1", [Outcome("r1", T0, DONE), Outcome("r1", T0 + DAY, MISSED)], T0 + DAY)
    assert fold(tally, T0, DONE, T0 + 2 * DAY) is tally
    assert fold(tally, T0 + DAY / 2, CANCELLED, T0 + 2 * DAY) is tally  # neutral: never counted
    paused = fold(tally, T0 + 2 * DAY, PAUSED, T0 + 2 * DAY)  # a newer neutral one counts for nothing...
    assert paused is not None and paused.through == T0 + 2 * DAY  # ...but is the newest outcome now
    assert (paused.current, paused.best, paused.recent) == (tally.current, tally.best, tally.recent)


def test_an_outcome_older_than_recent_turned_neutral_cannot_be_folded() -> None:
    outcomes = [Outcome("r1", T0 + i * DAY, DONE) for i in range(40)]
    tally = from_outcomes("r1", "a1", outcomes, outcomes[-1].due)
    assert recent_outcomes(tally)[0][0] > T0  # the first Done has aged out of `recent`...
    assert fold(tally, T0, CANCELLED, outcomes[-1].due) is None  # ...so its change can't be told from a no-op
    assert fold(tally, T0 + 38.5 * DAY, CANCELLED, outcomes[-1].due) is tally  # within `recent`: never counted
