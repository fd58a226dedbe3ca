"""read_when's known bugs kept fixed, and describe() read back: bot/timing/readings, resolve, repeats."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.timing.readings import read_when
from bot.timing.recurrence import Schedule, describe, upcoming
from bot.timing.timeparse import WhenParseError

BERLIN = ZoneInfo("Europe/Berlin")
# Wednesday 2 Dec 2026, 14:00 in Berlin (CET, +1).
NOW = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)


def first(text: str, now: datetime = NOW) -> datetime:
    reading = read_when(text, now, BERLIN)
    found = upcoming(reading.schedule, now, BERLIN, 1)
    return found[0].astimezone(BERLIN).replace(tzinfo=None)


# --- a weekday with a date ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fri 4 dec at 18:00", datetime(2026, 12, 4, 18)),
        ("friday 4 december at 6pm", datetime(2026, 12, 4, 18)),
        ("on friday, 4 december at 6pm", datetime(2026, 12, 4, 18)),
        ("4 dec friday at 18:00", datetime(2026, 12, 4, 18)),
        ("friday the 4th at 18:00", datetime(2026, 12, 4, 18)),
        ("thu 25 nov at 20:00", datetime(2027, 11, 25, 20)),  # passed this year; 25 Nov 2027 is a Thursday
        ("fri 2026-12-04 at 9:00", datetime(2026, 12, 4, 9)),
    ],
)
def test_a_weekday_that_agrees_with_the_date_is_accepted(text: str, expected: datetime) -> None:
    assert first(text) == expected


@pytest.mark.parametrize(
    ("text", "quoted", "real"),
    [
        ("wed 25 nov at 20:00", "wed 25 nov", "25 Nov 2027 is a Thursday, not a Wednesday"),
        ("mon 4 dec at 18:00", "mon 4 dec", "4 Dec 2026 is a Friday, not a Monday"),
        ("sunday the 4th at 9:00", "sunday the 4th", "4 Dec 2026 is a Friday, not a Sunday"),
    ],
)
def test_a_weekday_that_disagrees_is_refused_saying_which_day_it_is(text: str, quoted: str, real: str) -> None:
    with pytest.raises(WhenParseError) as err:
        read_when(text, NOW, BERLIN)
    assert f'"{quoted}"' in err.value.message
    assert real in err.value.message
    assert 'Try "' in err.value.message
    assert "twice" not in err.value.message


# --- tonight in the small hours -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tonight at 1", datetime(2026, 12, 3, 1)),
        ("tonight at 1:30am", datetime(2026, 12, 3, 1, 30)),
        ("tonight at midnight", datetime(2026, 12, 3, 0)),
        ("tonight at 11", datetime(2026, 12, 2, 23)),
        ("tomorrow night at 2am", datetime(2026, 12, 4, 2)),
        ("friday night at 1", datetime(2026, 12, 5, 1)),
    ],
)
def test_small_hours_after_an_evening_are_the_next_date(text: str, expected: datetime) -> None:
    assert first(text) == expected


def test_tonight_at_one_after_midnight_is_the_night_we_are_in_and_offers_the_next() -> None:
    now = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)  # 00:30 on Thu 3 Dec in Berlin
    reading = read_when("tonight at 1", now, BERLIN)
    assert first("tonight at 1", now) == datetime(2026, 12, 3, 1)
    assert any("after midnight" in note for note in reading.notes)
    [alternative] = reading.alternatives
    assert alternative.schedule.once_utc == datetime(2026, 12, 4, 0, tzinfo=UTC)


# --- wording of a repeat's bounds -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("every 0 days at 9", '"every 0 days" doesn\'t work: the number of days must be 1 or more.'),
        ("every 0 weeks on sat at 9", '"every 0 weeks" doesn\'t work: the number of weeks must be 1 or more.'),
        ("every 999 days at 9", '"every 999 days" doesn\'t work: the most is every 365 days.'),
        ("every 13 months on the 1st at 9", '"every 13 months" doesn\'t work: the most is every 12 months.'),
    ],
)
def test_every_n_bounds_are_worded_well(text: str, says: str) -> None:
    with pytest.raises(WhenParseError) as err:
        read_when(text, NOW, BERLIN)
    assert err.value.message.startswith(says)
    assert "1 days" not in err.value.message
    assert 'Try "' in err.value.message


# --- describe() reads back as the same schedule ---------------------------------------------------

ROUND_TRIPS = [
    "every day at 21:30",
    "every day at 8:00 and 20:00",
    "twice a day at 8 and 20",
    "every mon,thu at 20:00",
    "every weekday at 7:00",
    "every weekend at 10:00",
    "every mon, wed and fri at 7:00",
    "every 3 days at 8:00",
    "every other day at 7:00",
    "every 2 weeks on sat at 10:00",
    "fortnightly on mon,thu at 9:00",
    "every month on the 1st at 9:00",
    "monthly on the 31st at 9:00",
    "on the last day of every month at 20:00",
    "every first monday of the month at 9:00",
    "every last friday of the month at 17:00",
    "every 2 months on the 15th at 9:00",
    "every day at 21:30 for 6 weeks",
    "every day at 9:00 until 2027-03-01",
    "every day at 9:00 10 times",
    "every mon,thu at 20:00 until 2027-01-31",
    "every month on the 15th at 9:00 6 times",
    "tomorrow at 9am",
    "on 2027-01-10 at 09:00",
    "in 3 days at 18:00",
]


@pytest.mark.parametrize("text", ROUND_TRIPS)
def test_describe_reads_back_as_the_same_schedule(text: str) -> None:
    schedule = read_when(text, NOW, BERLIN).schedule
    words = describe(schedule, BERLIN)
    assert read_when(words, NOW, BERLIN).schedule == schedule, words


def test_until_with_a_time_keeps_the_time() -> None:
    schedule = read_when("every day at 9:00 until sat 12 dec 2026 09:00", NOW, BERLIN).schedule
    assert schedule == Schedule("daily", at=time(9), ends=datetime(2026, 12, 12, 9))


@pytest.mark.parametrize(
    ("phrase", "hours"),
    [("in 24 hours", 24), ("in 1440 minutes", 24), ("in 48h", 48), ("in 1 day", 23), ("in 2 days", 47)],
)
def test_hours_are_hours_and_days_are_calendar_days_across_a_clock_change(phrase: str, hours: int) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    now = datetime(2027, 3, 27, 10, tzinfo=berlin)  # the clocks go forward in the night
    instant = read_when(phrase, now, berlin).schedule.once_utc
    assert instant is not None
    assert (instant - now).total_seconds() == hours * 3600


def test_a_date_just_passed_this_year_says_it_was_taken_as_next_years() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    now = datetime(2026, 11, 25, 12, tzinfo=berlin)
    slip = read_when("nov 24 at 9am", now, berlin)
    assert slip.notes == ('"nov 24" has passed this year, so I took Wed 24 Nov 2027.',)
    assert read_when("on january 5 at 9am", now, berlin).notes == ()  # plainly next year: nothing to say
    assert read_when("on 29 feb at 9am", datetime(2027, 1, 10, tzinfo=berlin), berlin).notes == ()


def test_an_hour_with_minutes_is_24_hour_and_the_evening_is_offered_when_sooner() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    afternoon = datetime(2026, 11, 25, 14, 30, tzinfo=berlin)
    reading = read_when("at 7:30", afternoon, berlin)
    assert reading.schedule.once_utc == datetime(2026, 11, 26, 7, 30, tzinfo=berlin)
    assert reading.notes == ('I read "at 7:30" as 07:30 tomorrow (24-hour); 19:30 today is the other reading.',)
    assert [a.label for a in reading.alternatives] == ["19:30 today"]
    morning = datetime(2026, 11, 25, 6, 0, tzinfo=berlin)  # 07:30 comes first anyway: nothing to offer
    assert read_when("at 7:30", morning, berlin).alternatives == ()
    assert read_when("at 19:30", afternoon, berlin).alternatives == ()


@pytest.mark.parametrize(
    ("text", "wall"),
    [
        ("tomorrow at 9am", True),
        ("at 21:00", True),
        ("on 10 dec at 9:00", True),
        ("tonight", True),
        ("friday", True),
        ("in 2h", False),
        ("in 10 minutes", False),
        ("every day at 9:00", False),  # a repeat keeps its clock time anyway: the flag is for one-offs
    ],
)
def test_a_one_off_given_as_a_day_or_clock_time_is_read_as_one(text: str, wall: bool) -> None:
    assert read_when(text, NOW, BERLIN).wall is wall
