from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.progress import DAY, Streak, adherence, encouragement, item_progress, streak
from storage.records import DONE, HELD, MISSED, SENT, SKIPPED, SNOOZED, UNCONFIRMED, UNDELIVERABLE, Occurrence

NOW = 1_800_000_000.0


def occ(status: str, days_ago: float, reminder: str = "r1") -> Occurrence:
    due = NOW - days_ago * DAY
    return Occurrence(
        id=f"{reminder}@{int(due)}",
        account_id="a",
        reminder_id=reminder,
        number=1,
        text="x",
        due=due,
        fire_at=due,
        status=status,
        updated_at=due,
    )


def test_skip_neither_breaks_nor_extends_and_miss_breaks() -> None:
    history = [occ(DONE, 10), occ(DONE, 9), occ(SKIPPED, 8), occ(DONE, 7), occ(MISSED, 6), occ(DONE, 5)]
    assert streak(history) == streak(reversed(history))  # order of input doesn't matter
    result = streak(history)
    assert (result.current, result.best) == (1, 3)


def test_bot_failures_are_neutral_and_open_ones_pending() -> None:
    history = [occ(DONE, 4), occ(UNDELIVERABLE, 3), occ(UNCONFIRMED, 2), occ(DONE, 1), occ(SENT, 0.1)]
    result = streak(history)
    assert (result.current, result.best) == (2, 2)


def test_adherence_windows() -> None:
    history = [occ(DONE, 1), occ(SKIPPED, 2), occ(MISSED, 3), occ(DONE, 10), occ(DONE, 30), occ(UNDELIVERABLE, 4)]
    week = adherence(history, NOW, 7)
    month = adherence(history, NOW, 28)
    # A skip is left out (as of streaks), the bot's failure too: done out of done + missed.
    assert (week.done, week.missed, week.skipped, week.percent) == (1, 1, 1, 50)
    assert (month.done, month.counted, month.skipped, month.percent) == (2, 3, 1, 67)
    assert adherence([], NOW, 7).percent is None


def test_open_ones_are_pending_neither_done_nor_missed() -> None:
    history = [occ(DONE, 3), occ(MISSED, 2), occ(SENT, 1), occ(SNOOZED, 0.5), occ(HELD, 0.1)]
    week = adherence(history, NOW, 7)
    assert (week.done, week.counted, week.pending, week.percent) == (1, 2, 3, 50)
    item = item_progress("r1", history, NOW)
    assert item.waiting == 3 and item.streak == Streak(current=0, best=1)
    waiting = [item_progress("r1", [occ(SENT, 0.1)], NOW)]
    assert "waiting for your answer" in encouragement(waiting)


def test_encouragement_follows_the_numbers() -> None:
    perfect = [item_progress("r1", [occ(DONE, d) for d in range(1, 9)], NOW)]
    poor = [item_progress("r1", [occ(MISSED, d) for d in range(1, 9)], NOW)]
    empty = [item_progress("r1", [], NOW)]
    assert "Outstanding" in encouragement(perfect) and "8 in a row" in encouragement(perfect)
    assert "never too late" in encouragement(poor)
    assert "first reminders" in encouragement(empty)
    skipped = [item_progress("r1", [occ(SKIPPED, 1)], NOW)]
    assert "Skipped so far" in encouragement(skipped)


def test_a_dst_week_counts_every_scheduled_evening_once() -> None:
    # Daily 20:00 in Berlin across the end of summer time (25 Oct 2026): the day with 25 hours must not
    # push an evening out of the 7-day window or count one twice.
    berlin = ZoneInfo("Europe/Berlin")
    dues = [datetime(2026, 10, day, 20, tzinfo=berlin).timestamp() for day in range(22, 29)]
    history = [
        Occurrence(
            id=f"r1@{int(due)}",
            account_id="a",
            reminder_id="r1",
            number=1,
            text="x",
            due=due,
            fire_at=due,
            status=status,
            updated_at=due,
        )
        for due, status in zip(dues, [DONE, DONE, SKIPPED, DONE, DONE, MISSED, DONE], strict=True)
    ]
    now = datetime(2026, 10, 28, 21, tzinfo=berlin).timestamp()
    week = adherence(history, now, 7)
    assert (week.done, week.counted, week.skipped) == (5, 6, 1)
    assert streak(history) == Streak(current=1, best=4)
