"""bot.confirmations: what a confirmation shows of a schedule, so a misreading is seen at once."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.confirmations import confirmation_lines, next_times, short_time
from bot.timing.readings import read_when
from bot.timing.recurrence import Schedule

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 2, 19, 8, tzinfo=UTC)  # Wed 2 Dec 2026, 20:08 in Berlin


def test_short_time_has_weekday_date_and_clock_in_the_persons_zone() -> None:
    assert short_time(datetime(2026, 12, 3, 19, 0, tzinfo=UTC), BERLIN) == "Thu 3 Dec 20:00"


def test_the_next_three_times_of_a_repeat() -> None:
    schedule = Schedule("weekly", at=time(20, 0), weekdays=(0, 3))
    assert next_times(schedule, NOW, BERLIN) == "Thu 3 Dec 20:00, Mon 7 Dec 20:00, Thu 10 Dec 20:00"


def test_a_repeat_that_ends_within_three_times_says_which_is_the_last() -> None:
    reading = read_when("every day at 21:30 2 times", NOW, BERLIN)
    assert next_times(reading.schedule, NOW, BERLIN) == "Wed 2 Dec 21:30, Thu 3 Dec 21:30 (the last)"


def test_a_confirmation_names_the_last_time_of_an_ending_repeat_and_what_was_assumed() -> None:
    reading = read_when("every month on the 31st at 9 until 2027-03-01", NOW, BERLIN)
    lines = confirmation_lines("Reminder 1 set: peel check", reading.schedule, reading, NOW, BERLIN, "Europe/Berlin")
    assert lines[0] == "Reminder 1 set: peel check"
    assert lines[1] == "When: every month on the 31st at 09:00 until Mon 01 Mar 2027"
    assert lines[2] == "Next: Thu 31 Dec 09:00, Sun 31 Jan 09:00, Sun 28 Feb 09:00 (the last) (Europe/Berlin)"
    assert not [line for line in lines if line.startswith("Last one")]  # already marked among the three
    assert any("last day" in line for line in lines)  # the 31st in February is said
    assert any('"at 9" as 09:00' in line for line in lines)  # and which reading of "9" was taken


def test_a_long_ending_repeat_names_its_last_time() -> None:
    reading = read_when("every day at 21:30 for 6 weeks", NOW, BERLIN)
    lines = confirmation_lines("Reminder 1 set: cream", reading.schedule, reading, NOW, BERLIN, "Europe/Berlin")
    assert "Last one: Tue 12 Jan 21:30; after it the reminder is finished." in lines
