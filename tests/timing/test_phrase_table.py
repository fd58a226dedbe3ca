"""The phrase table of issue 13: each phrasing with its first three times (local wall clock) and its repeat.

Every row is read against the same local "now", Wednesday 2 Dec 2026 14:00, in four zones (two northern ones
past their autumn change, Sydney in its summer time, Kolkata with none). A when-phrase is about the person's
own calendar, so the expected wall times are the same in each zone; no row's times fall on a clock-change
day (those have their own rows below). The expectations were worked out from the calendar:

    December 2026            January 2027             February 2027
    Mo Tu We Th Fr Sa Su     Mo Tu We Th Fr Sa Su     Mo Tu We Th Fr Sa Su
        1  2  3  4  5  6                  1  2  3      1  2  3  4  5  6  7
     7  8  9 10 11 12 13      4  5  6  7  8  9 10      8  9 10 11 12 13 14
    14 15 16 17 18 19 20     11 12 13 14 15 16 17     15 16 17 18 19 20 21
    21 22 23 24 25 26 27     18 19 20 21 22 23 24     22 23 24 25 26 27 28
    28 29 30 31              25 26 27 28 29 30 31
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

import pytest

from bot.timing.readings import read_when
from bot.timing.recurrence import describe, format_clock, format_day, upcoming
from bot.timing.timeparse import WhenParseError

ZONES = ("Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata")
LOCAL_NOW = datetime(2026, 12, 2, 14, 0)  # Wednesday


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second)


def j(day: int, hour: int, minute: int = 0) -> datetime:
    return at(1, day, hour, minute, year=2027)


def f(day: int, hour: int, minute: int = 0) -> datetime:
    return at(2, day, hour, minute, year=2027)


ONCE = "once"
Row = tuple[str, list[datetime], str]

RELATIVE: list[Row] = [
    ("in 10 minutes", [at(12, 2, 14, 10)], ONCE),
    ("in 10m", [at(12, 2, 14, 10)], ONCE),
    ("in 45 minutes", [at(12, 2, 14, 45)], ONCE),
    ("in 30s", [at(12, 2, 14, 0, second=30)], ONCE),
    ("in an hour", [at(12, 2, 15)], ONCE),
    ("in 2 hours", [at(12, 2, 16)], ONCE),
    ("in half an hour", [at(12, 2, 14, 30)], ONCE),
    ("in 1h30m", [at(12, 2, 15, 30)], ONCE),
    ("in 90 min", [at(12, 2, 15, 30)], ONCE),
    ("in an hour and a half", [at(12, 2, 15, 30)], ONCE),
    ("in a day", [at(12, 3, 14)], ONCE),
    ("in 3 days", [at(12, 5, 14)], ONCE),
    ("in 1 week", [at(12, 9, 14)], ONCE),
    ("in 2 weeks", [at(12, 16, 14)], ONCE),
    ("in 2 days at 9", [at(12, 4, 9)], ONCE),  # 21:00 is offered
    ("in 3 days at 18:00", [at(12, 5, 18)], ONCE),
    ("in 1 day at 8pm", [at(12, 3, 20)], ONCE),
]

CLOCKS: list[Row] = [
    ("at 21:30", [at(12, 2, 21, 30)], ONCE),
    ("at 9pm", [at(12, 2, 21)], ONCE),
    ("at 9 pm", [at(12, 2, 21)], ONCE),
    ("8 p.m.", [at(12, 2, 20)], ONCE),
    ("at 8:30 pm", [at(12, 2, 20, 30)], ONCE),
    ("at 20.30", [at(12, 2, 20, 30)], ONCE),
    ("at 23:45", [at(12, 2, 23, 45)], ONCE),
    ("at 15:00", [at(12, 2, 15)], ONCE),
    ("at 3pm", [at(12, 2, 15)], ONCE),
    ("3pm", [at(12, 2, 15)], ONCE),
    ("at 13:59", [at(12, 3, 13, 59)], ONCE),  # a minute ago: tomorrow
    ("at 14:00", [at(12, 3, 14)], ONCE),  # exactly now is not ahead
    ("at noon", [at(12, 3, 12)], ONCE),
    ("at midnight", [at(12, 3, 0)], ONCE),
    ("at 12am", [at(12, 3, 0)], ONCE),
    ("at 12pm", [at(12, 3, 12)], ONCE),
    ("at 0:15", [at(12, 3, 0, 15)], ONCE),
    ("9am", [at(12, 3, 9)], ONCE),
    ("at 9am", [at(12, 3, 9)], ONCE),
    ("at 8:30 am", [at(12, 3, 8, 30)], ONCE),
    ("at 7:15", [at(12, 3, 7, 15)], ONCE),  # minutes written: a 24-hour time
    ("at 9", [at(12, 2, 21)], ONCE),  # a lone hour: the sooner of 09:00 and 21:00
    ("at 5", [at(12, 2, 17)], ONCE),
    ("at 10 o'clock", [at(12, 2, 22)], ONCE),
    ("by 6pm", [at(12, 2, 18)], ONCE),
    ("@ 10pm", [at(12, 2, 22)], ONCE),
    ("at 6pm sharp", [at(12, 2, 18)], ONCE),
    ("at 9am tomorrow", [at(12, 3, 9)], ONCE),
    ("tomorrow 9am", [at(12, 3, 9)], ONCE),
    ("tomorrow at 9am", [at(12, 3, 9)], ONCE),
]

DAY_WORDS: list[Row] = [
    ("today at 18:00", [at(12, 2, 18)], ONCE),
    ("tonight", [at(12, 2, 21)], ONCE),
    ("tonight at 10", [at(12, 2, 22)], ONCE),
    ("tonight at 10:30", [at(12, 2, 22, 30)], ONCE),
    ("tonight at 1", [at(12, 3, 1)], ONCE),  # the small hours after this evening
    ("tonight at midnight", [at(12, 3, 0)], ONCE),
    ("this evening", [at(12, 2, 19)], ONCE),
    ("this evening at 7", [at(12, 2, 19)], ONCE),
    ("this afternoon at 3", [at(12, 2, 15)], ONCE),
    ("in the evening", [at(12, 2, 19)], ONCE),
    ("in the morning", [at(12, 3, 8)], ONCE),
    ("at 8 in the evening", [at(12, 2, 20)], ONCE),
    ("at 7 in the morning", [at(12, 3, 7)], ONCE),
    ("tomorrow", [at(12, 3, 9)], ONCE),
    ("tomorrow morning", [at(12, 3, 8)], ONCE),
    ("tomorrow morning at 7", [at(12, 3, 7)], ONCE),
    ("tomorrow afternoon at 4", [at(12, 3, 16)], ONCE),
    ("tomorrow evening", [at(12, 3, 19)], ONCE),
    ("tomorrow night", [at(12, 3, 21)], ONCE),
    ("tomorrow at noon", [at(12, 3, 12)], ONCE),
    ("day after tomorrow at 10:00", [at(12, 4, 10)], ONCE),
]

WEEKDAYS: list[Row] = [
    ("friday at 6pm", [at(12, 4, 18)], ONCE),
    ("at 6pm on friday", [at(12, 4, 18)], ONCE),
    ("on monday", [at(12, 7, 9)], ONCE),
    ("on monday at 9:00", [at(12, 7, 9)], ONCE),
    ("wednesday at 18:00", [at(12, 2, 18)], ONCE),  # today, still ahead
    ("wednesday at 10:00", [at(12, 9, 10)], ONCE),  # today's has passed: next week
    ("on thu at 20:00", [at(12, 3, 20)], ONCE),
    ("on sat at 10:00", [at(12, 5, 10)], ONCE),
    ("sunday at 8pm", [at(12, 6, 20)], ONCE),
    ("tues at 7:30", [at(12, 8, 7, 30)], ONCE),
    ("thursday morning", [at(12, 3, 8)], ONCE),
    ("friday evening", [at(12, 4, 19)], ONCE),
    ("friday night at 1", [at(12, 5, 1)], ONCE),
    ("next friday at 6pm", [at(12, 4, 18)], ONCE),  # the coming one; the one after is offered
    ("this friday at 6pm", [at(12, 4, 18)], ONCE),
    ("next monday at 9:00", [at(12, 7, 9)], ONCE),
    ("next wednesday at 10:00", [at(12, 9, 10)], ONCE),
    ("next wednesday at 18:00", [at(12, 9, 18)], ONCE),  # said on a Wednesday: never today
    ("wed at 9", [at(12, 2, 21)], ONCE),  # tonight's 21:00 comes before next week's 09:00
    ("on 2026-12-02 at 9", [at(12, 2, 21)], ONCE),  # 09:00 has passed: 21:00
]

DATES: list[Row] = [
    ("on the 15th", [at(12, 15, 9)], ONCE),
    ("on the 15th at 20:00", [at(12, 15, 20)], ONCE),
    ("on the 2nd at 15:00", [at(12, 2, 15)], ONCE),
    ("on the 1st", [j(1, 9)], ONCE),
    ("on the 31st", [at(12, 31, 9)], ONCE),
    ("on dec 24", [at(12, 24, 9)], ONCE),
    ("on 24 december", [at(12, 24, 9)], ONCE),
    ("on 24 december at 18:00", [at(12, 24, 18)], ONCE),
    ("december 24th at 6pm", [at(12, 24, 18)], ONCE),
    ("on december 31st at 23:00", [at(12, 31, 23)], ONCE),
    ("on january 5", [j(5, 9)], ONCE),  # next year: January is ahead only in 2027
    ("on jan 5 at 8:00", [j(5, 8)], ONCE),
    ("on 2 dec at 15:00", [at(12, 2, 15)], ONCE),
    ("on 2 dec at 10:00", [at(12, 2, 10, year=2027)], ONCE),  # passed this morning: next year
    ("on 1 december", [at(12, 1, 9, year=2027)], ONCE),
    ("on feb 29", [at(2, 29, 9, year=2028)], ONCE),  # the next leap day
    ("on the 1st of march at 8:00", [at(3, 1, 8, year=2027)], ONCE),
    ("2027-01-10 09:00", [j(10, 9)], ONCE),
    ("on 2027-01-10 at 09:00", [j(10, 9)], ONCE),
    ("2027-01-10 at 9am", [j(10, 9)], ONCE),
    ("on 2027-01-10", [j(10, 9)], ONCE),
    ("on 2026-12-25 at 7am", [at(12, 25, 7)], ONCE),
    ("on 10.12. at 9:00", [at(12, 10, 9)], ONCE),
    ("on 10.12.2026 at 9:00", [at(12, 10, 9)], ONCE),
    ("on 25/12 at 10:00", [at(12, 25, 10)], ONCE),  # 25 can only be the day
    ("fri 4 dec at 18:00", [at(12, 4, 18)], ONCE),
    ("next week at 9", [at(12, 9, 9)], ONCE),  # a week from today; Monday is offered
    ("next month", [j(2, 9)], ONCE),
    ("on the weekend at 10", [at(12, 5, 10)], ONCE),  # Saturday; Sunday is offered
    ("this weekend at 10:00", [at(12, 5, 10)], ONCE),
]

REPEATS: list[Row] = [
    ("every day at 21:30", [at(12, 2, 21, 30), at(12, 3, 21, 30), at(12, 4, 21, 30)], "every day at 21:30"),
    ("daily at 8am", [at(12, 3, 8), at(12, 4, 8), at(12, 5, 8)], "every day at 08:00"),
    ("everyday at 9pm", [at(12, 2, 21), at(12, 3, 21), at(12, 4, 21)], "every day at 21:00"),
    ("every day at 9", [at(12, 3, 9), at(12, 4, 9), at(12, 5, 9)], "every day at 09:00"),
    ("every night at 10", [at(12, 2, 22), at(12, 3, 22), at(12, 4, 22)], "every day at 22:00"),
    ("nightly at 11pm", [at(12, 2, 23), at(12, 3, 23), at(12, 4, 23)], "every day at 23:00"),
    ("every morning at 7", [at(12, 3, 7), at(12, 4, 7), at(12, 5, 7)], "every day at 07:00"),
    ("every morning", [at(12, 3, 8), at(12, 4, 8), at(12, 5, 8)], "every day at 08:00"),
    ("every evening at 8", [at(12, 2, 20), at(12, 3, 20), at(12, 4, 20)], "every day at 20:00"),
    ("every evening", [at(12, 2, 19), at(12, 3, 19), at(12, 4, 19)], "every day at 19:00"),
    ("every mon,thu at 20:00", [at(12, 3, 20), at(12, 7, 20), at(12, 10, 20)], "every Mon and Thu at 20:00"),
    ("at 20:00 every mon,thu", [at(12, 3, 20), at(12, 7, 20), at(12, 10, 20)], "every Mon and Thu at 20:00"),
    ("every monday and thursday at 8pm", [at(12, 3, 20), at(12, 7, 20), at(12, 10, 20)], "every Mon and Thu at 20:00"),
    ("mondays and thursdays at 20:00", [at(12, 3, 20), at(12, 7, 20), at(12, 10, 20)], "every Mon and Thu at 20:00"),
    (
        "every tue, thu and sat at 19:00",
        [at(12, 3, 19), at(12, 5, 19), at(12, 8, 19)],
        "every Tue, Thu and Sat at 19:00",
    ),
    ("every friday at 6pm", [at(12, 4, 18), at(12, 11, 18), at(12, 18, 18)], "every Fri at 18:00"),
    ("every sunday morning", [at(12, 6, 8), at(12, 13, 8), at(12, 20, 8)], "every Sun at 08:00"),
    ("every weekday at 7:00", [at(12, 3, 7), at(12, 4, 7), at(12, 7, 7)], "every weekday at 07:00"),
    ("weekdays at 7:30", [at(12, 3, 7, 30), at(12, 4, 7, 30), at(12, 7, 7, 30)], "every weekday at 07:30"),
    ("every mon-fri at 8:00", [at(12, 3, 8), at(12, 4, 8), at(12, 7, 8)], "every weekday at 08:00"),
    ("every weekend at 10:00", [at(12, 5, 10), at(12, 6, 10), at(12, 12, 10)], "every Sat and Sun at 10:00"),
    ("every 3 days at 8:00", [at(12, 3, 8), at(12, 6, 8), at(12, 9, 8)], "every 3 days at 08:00"),
    ("every other day at 18:00", [at(12, 2, 18), at(12, 4, 18), at(12, 6, 18)], "every 2 days at 18:00"),
    ("every 2 weeks on sat at 10:00", [at(12, 5, 10), at(12, 19, 10), j(2, 10)], "every 2 weeks on Sat at 10:00"),
    ("fortnightly on mon at 9:00", [at(12, 7, 9), at(12, 21, 9), j(4, 9)], "every 2 weeks on Mon at 09:00"),
    ("weekly on sun at 19:00", [at(12, 6, 19), at(12, 13, 19), at(12, 20, 19)], "every Sun at 19:00"),
    ("every week on friday at 17:00", [at(12, 4, 17), at(12, 11, 17), at(12, 18, 17)], "every Fri at 17:00"),
    ("every day at 9:00 starting monday", [at(12, 7, 9), at(12, 8, 9), at(12, 9, 9)], "every day at 09:00"),
]

MONTHLY: list[Row] = [
    ("every month on the 1st at 9:00", [j(1, 9), f(1, 9), at(3, 1, 9, year=2027)], "every month on the 1st at 09:00"),
    ("monthly on the 15th at 20:00", [at(12, 15, 20), j(15, 20), f(15, 20)], "every month on the 15th at 20:00"),
    ("the 15th of every month at 9:00", [at(12, 15, 9), j(15, 9), f(15, 9)], "every month on the 15th at 09:00"),
    ("every month on the 2nd at 15:00", [at(12, 2, 15), j(2, 15), f(2, 15)], "every month on the 2nd at 15:00"),
    (
        "every month on the 2nd at 10:00",
        [j(2, 10), f(2, 10), at(3, 2, 10, year=2027)],
        "every month on the 2nd at 10:00",
    ),
    (
        "on the last day of every month at 20:00",
        [at(12, 31, 20), j(31, 20), f(28, 20)],
        "every month on the last day at 20:00",
    ),
    ("every month on the 31st at 9:00", [at(12, 31, 9), j(31, 9), f(28, 9)], "every month on the 31st at 09:00"),
    ("monthly on the 30th at 9:00", [at(12, 30, 9), j(30, 9), f(28, 9)], "every month on the 30th at 09:00"),
    ("monthly on the 29th at 8:00", [at(12, 29, 8), j(29, 8), f(28, 8)], "every month on the 29th at 08:00"),
    (
        "every first monday of the month at 9:00",
        [at(12, 7, 9), j(4, 9), f(1, 9)],
        "every month on the first Mon at 09:00",
    ),
    (
        "every second tuesday of the month at 18:00",
        [at(12, 8, 18), j(12, 18), f(9, 18)],
        "every month on the second Tue at 18:00",
    ),
    (
        "every third thursday of the month at 19:00",
        [at(12, 17, 19), j(21, 19), f(18, 19)],
        "every month on the third Thu at 19:00",
    ),
    (
        "every last friday of the month at 17:00",
        [at(12, 25, 17), j(29, 17), f(26, 17)],
        "every month on the last Fri at 17:00",
    ),
    (
        "every 2 months on the 15th at 9:00",
        [at(12, 15, 9), f(15, 9), at(4, 15, 9, year=2027)],
        "every 2 months on the 15th at 09:00",
    ),
]

SEVERAL_A_DAY: list[Row] = [
    ("every day at 8:00 and 20:00", [at(12, 2, 20), at(12, 3, 8), at(12, 3, 20)], "every day at 08:00 and 20:00"),
    ("twice a day at 8 and 20", [at(12, 2, 20), at(12, 3, 8), at(12, 3, 20)], "every day at 08:00 and 20:00"),
    ("twice daily at 9:00 and 21:00", [at(12, 2, 21), at(12, 3, 9), at(12, 3, 21)], "every day at 09:00 and 21:00"),
    (
        "three times a day at 8, 14 and 20",
        [at(12, 2, 20), at(12, 3, 8), at(12, 3, 14)],
        "every day at 08:00, 14:00 and 20:00",
    ),
    (
        "every day at 7:00, 13:00 and 19:00",
        [at(12, 2, 19), at(12, 3, 7), at(12, 3, 13)],
        "every day at 07:00, 13:00 and 19:00",
    ),
    (
        "every mon,thu at 8:00 and 20:00",
        [at(12, 3, 8), at(12, 3, 20), at(12, 7, 8)],
        "every Mon and Thu at 08:00 and 20:00",
    ),
    ("every weekday at 9am and 5pm", [at(12, 2, 17), at(12, 3, 9), at(12, 3, 17)], "every weekday at 09:00 and 17:00"),
    (
        "every month on the 1st at 9:00 and 21:00",
        [j(1, 9), j(1, 21), f(1, 9)],
        "every month on the 1st at 09:00 and 21:00",
    ),
]

ENDS: list[Row] = [
    (
        "every day at 21:30 for 6 weeks",  # 42 days from Wed 2 Dec, that day included
        [at(12, 2, 21, 30), at(12, 3, 21, 30), at(12, 4, 21, 30)],
        "every day at 21:30 until Tue 12 Jan 2027",
    ),
    (
        "every day at 9:00 until 2027-03-01",
        [at(12, 3, 9), at(12, 4, 9), at(12, 5, 9)],
        "every day at 09:00 until Mon 01 Mar 2027",
    ),
    (
        "every day at 9:00 10 times",  # 3 Dec .. 12 Dec
        [at(12, 3, 9), at(12, 4, 9), at(12, 5, 9)],
        "every day at 09:00 until Sat 12 Dec 2026 09:00",
    ),
    (
        "every day at 20:00 for 3 days",
        [at(12, 2, 20), at(12, 3, 20), at(12, 4, 20)],
        "every day at 20:00 until Fri 04 Dec 2026",
    ),
    ("every day at 9:00 until friday", [at(12, 3, 9), at(12, 4, 9)], "every day at 09:00 until Fri 04 Dec 2026"),
    (
        "every day at 21:00 for a month",
        [at(12, 2, 21), at(12, 3, 21), at(12, 4, 21)],
        "every day at 21:00 until Fri 01 Jan 2027",
    ),
    (
        "every mon,thu at 20:00 for 2 weeks",
        [at(12, 3, 20), at(12, 7, 20), at(12, 10, 20)],
        "every Mon and Thu at 20:00 until Wed 16 Dec 2026",
    ),
    (
        "every day at 8:00 and 20:00 for 2 days",  # Wed evening, Thu morning and evening, then done
        [at(12, 2, 20), at(12, 3, 8), at(12, 3, 20)],
        "every day at 08:00 and 20:00 until Thu 03 Dec 2026",
    ),
    (
        "twice a day at 8 and 20 for 1 week",
        [at(12, 2, 20), at(12, 3, 8), at(12, 3, 20)],
        "every day at 08:00 and 20:00 until Tue 08 Dec 2026",
    ),
    (
        "every month on the 15th at 9:00 3 times",
        [at(12, 15, 9), j(15, 9), f(15, 9)],
        "every month on the 15th at 09:00 until Mon 15 Feb 2027 09:00",
    ),
    (
        "every 2 days at 7:00 5 times",  # 3, 5, 7, 9, 11 Dec
        [at(12, 3, 7), at(12, 5, 7), at(12, 7, 7)],
        "every 2 days at 07:00 until Fri 11 Dec 2026 07:00",
    ),
    (
        "every weekday at 8:00 until 2026-12-08",
        [at(12, 3, 8), at(12, 4, 8), at(12, 7, 8)],
        "every weekday at 08:00 until Tue 08 Dec 2026",
    ),
]

TABLE = RELATIVE + CLOCKS + DAY_WORDS + WEEKDAYS + DATES + REPEATS + MONTHLY + SEVERAL_A_DAY + ENDS

# Rows whose whole run is shorter than three: how many times they fire in all.
TOTAL = {
    "every day at 20:00 for 3 days": 3,
    "every day at 9:00 until friday": 2,
    "every day at 8:00 and 20:00 for 2 days": 3,
    "every month on the 15th at 9:00 3 times": 3,
    "every day at 9:00 10 times": 10,
    "every 2 days at 7:00 5 times": 5,
    "every weekday at 8:00 until 2026-12-08": 4,
    "every mon,thu at 20:00 for 2 weeks": 4,  # 3, 7, 10, 14 Dec: two weeks from the first, Thu 3 Dec
}


def test_the_table_is_big_enough() -> None:
    assert len(TABLE) >= 150
    assert len({text for text, _, _ in TABLE}) == len(TABLE)


def _now(zone: tzinfo) -> datetime:
    return LOCAL_NOW.replace(tzinfo=zone)


def _describe_once(first: datetime) -> str:
    return f"once on {format_day(first.date())} at {format_clock(first.time())}"


@pytest.mark.parametrize("zone_name", ZONES)
@pytest.mark.parametrize(("text", "expected", "repeat"), TABLE, ids=[row[0] for row in TABLE])
def test_phrase(zone_name: str, text: str, expected: list[datetime], repeat: str) -> None:
    zone = ZoneInfo(zone_name)
    now = _now(zone)
    schedule = read_when(text, now, zone).schedule
    found = [t.astimezone(zone).replace(tzinfo=None) for t in upcoming(schedule, now, zone, 3)]
    assert found == expected
    if repeat == ONCE:
        assert schedule.kind == "once"
        assert describe(schedule, zone) == _describe_once(expected[0])
    else:
        assert describe(schedule, zone) == repeat
        total = len(upcoming(schedule, now, zone, 12))
        assert total == TOTAL.get(text, 12)


# --- what was chosen, and the other reading offered ----------------------------------------------


def _local(instant: datetime | None, zone: tzinfo) -> datetime:
    assert instant is not None
    return instant.astimezone(zone).replace(tzinfo=None)


@pytest.mark.parametrize("zone_name", ZONES)
def test_at_9_at_20_08_says_which_was_chosen_and_offers_the_other(zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    now = datetime(2026, 12, 2, 20, 8, tzinfo=zone)
    reading = read_when("at 9", now, zone)
    assert _local(reading.schedule.once_utc, zone) == at(12, 2, 21)
    assert any('"at 9" as 21:00 today' in note for note in reading.notes)
    [other] = reading.alternatives
    assert other.label == "09:00 tomorrow"
    assert _local(other.schedule.once_utc, zone) == at(12, 3, 9)


@pytest.mark.parametrize(
    ("text", "note", "offered"),
    [
        ("in 2 days at 9", '"at 9" as 09:00, not 21:00', [at(12, 4, 21)]),
        ("next week at 9", "a week from today, Wed 09 Dec 2026", [at(12, 7, 9), at(12, 9, 21)]),
        ("on the weekend at 10", "Saturday, Sat 05 Dec 2026", [at(12, 6, 10), at(12, 5, 22)]),
        ("next friday at 6pm", "the coming one, Fri 04 Dec 2026", [at(12, 11, 18)]),
        ("tomorrow morning", "took the morning as 08:00", []),
    ],
)
@pytest.mark.parametrize("zone_name", ZONES)
def test_assumptions_are_said_and_other_readings_offered(
    zone_name: str, text: str, note: str, offered: list[datetime]
) -> None:
    zone = ZoneInfo(zone_name)
    reading = read_when(text, _now(zone), zone)
    assert any(note in n for n in reading.notes), reading.notes
    assert [_local(a.schedule.once_utc, zone) for a in reading.alternatives] == offered


def test_on_10_12_is_a_date_with_nothing_assumed() -> None:
    zone = ZoneInfo("Europe/Berlin")
    reading = read_when("on 10.12. at 9:00", _now(zone), zone)
    assert _local(reading.schedule.once_utc, zone) == at(12, 10, 9)
    assert reading.notes == () and reading.alternatives == ()


def test_a_31st_in_a_shorter_month_is_said_in_the_confirmation() -> None:
    zone = ZoneInfo("Australia/Sydney")
    reading = read_when("every month on the 31st at 9:00", _now(zone), zone)
    assert any("last day" in note for note in reading.notes)


# --- clock-change days --------------------------------------------------------------------------

GAPS = [
    # zone, local now, phrase, local time it fires, whether it is said
    ("Europe/Berlin", datetime(2027, 3, 27, 14), "on 2027-03-28 at 02:30", datetime(2027, 3, 28, 3, 30), True),
    ("Europe/Berlin", datetime(2027, 3, 27, 14), "tomorrow at 2:30", datetime(2027, 3, 28, 3, 30), True),
    ("America/New_York", datetime(2027, 3, 13, 14), "on 2027-03-14 at 02:30", datetime(2027, 3, 14, 3, 30), True),
    ("Australia/Sydney", datetime(2027, 10, 2, 14), "on 2027-10-03 at 02:30", datetime(2027, 10, 3, 3, 30), True),
    ("Asia/Kolkata", datetime(2027, 3, 27, 14), "on 2027-03-28 at 02:30", datetime(2027, 3, 28, 2, 30), False),
    # "in N days" keeps the clock time across a change (a day is not always 24 hours)
    ("Europe/Berlin", datetime(2027, 3, 27, 14), "in 1 day", datetime(2027, 3, 28, 14), False),
    ("America/New_York", datetime(2027, 3, 13, 14), "in 2 days", datetime(2027, 3, 15, 14), False),
    ("Australia/Sydney", datetime(2027, 4, 3, 14), "in 1 week", datetime(2027, 4, 10, 14), False),
]


@pytest.mark.parametrize(("zone_name", "local_now", "text", "fires", "said"), GAPS)
def test_a_time_a_clock_change_skips_fires_after_the_gap_and_says_so(
    zone_name: str, local_now: datetime, text: str, fires: datetime, said: bool
) -> None:
    zone = ZoneInfo(zone_name)
    reading = read_when(text, local_now.replace(tzinfo=zone), zone)
    assert _local(reading.schedule.once_utc, zone) == fires
    gap_notes = [n for n in reading.notes if "doesn't exist" in n]
    assert bool(gap_notes) == said
    if said:
        assert "02:30 doesn't exist" in gap_notes[0] and "03:30" in gap_notes[0]


@pytest.mark.parametrize(
    ("zone_name", "text", "utc"),
    [
        ("Europe/Berlin", "on 2027-10-31 at 02:30", datetime(2027, 10, 31, 0, 30)),  # the first 02:30 (CEST)
        ("America/New_York", "on 2027-11-07 at 01:30", datetime(2027, 11, 7, 5, 30)),  # the first 01:30 (EDT)
        ("Australia/Sydney", "on 2027-04-04 at 02:30", datetime(2027, 4, 3, 15, 30)),  # the first 02:30 (AEDT)
    ],
)
def test_a_time_that_happens_twice_is_the_first(zone_name: str, text: str, utc: datetime) -> None:
    zone = ZoneInfo(zone_name)
    schedule = read_when(text, _now(zone), zone).schedule
    assert schedule.once_utc is not None
    assert schedule.once_utc.replace(tzinfo=None) == utc


# --- refusals: what was not understood is quoted, and phrases that work are shown -----------------

REFUSALS = [
    ("blah", "blah"),
    ("next full moon", "next full moon"),
    ("at dawn", "dawn"),
    ("at 25:00", "25:00"),
    ("at 9:75", "9:75"),
    ("at 13pm", "13pm"),
    ("in 30", "30"),
    ("in a while", "a while"),
    ("in 0m", "0m"),
    ("daily", "daily"),
    ("every day", "every day"),
    ("every mon,thu", "every mon,thu"),
    ("every hour", "every hour"),
    ("every 5 minutes", "every 5 minutes"),
    ("every fortnight at 9", "fortnight"),
    ("every 0 days at 9", "every 0 days"),
    ("every 999 days at 9", "every 999 days"),
    ("every 2 weeks at 10:00", "every 2 weeks at 10:00"),
    ("monthly at 9:00", "monthly at 9:00"),
    ("every fifth monday of the month at 9:00", "every fifth monday of the month"),
    ("every month on the 32nd at 9:00", "the 32nd"),
    ("twice a day at 9:00", "twice a day"),
    ("every day at 9:00 2000 times", "2000 times"),
    ("every day at 9:00 until 2026-11-01", "until 2026-11-01"),
    ("at 9:00 for 6 weeks", "for 6 weeks"),
    ("tomorrow at 9:00 and 21:00", "at 9:00 and 21:00"),
    ("in 2h at 9:00", "at 9:00"),
    ("in 10 minutes every day", "in 10 minutes"),
    ("today", "today"),
    ("today at 08:00", "today at 08:00"),
    ("tonight at 7am", "tonight at 7am"),
    ("this morning at 9pm", "this morning at 9pm"),
    ("on 2020-01-01 at 09:00", "on 2020-01-01 at 09:00"),
    ("on 2026-02-30", "2026-02-30"),
    ("on 31 feb", "31 feb"),
    ("on 10/11 at 9:00", "10/11"),
    ("on 2999-01-01", "2999-01-01"),
    ("on the 32nd", "the 32nd"),
    ("wed 25 nov at 20:00", "wed 25 nov"),
    ("friday in 2 days at 9", "in 2 days"),
    ("on mon, thu at 9:00", "mon, thu"),
    ("every", "every"),
]


@pytest.mark.parametrize("zone_name", ZONES)
@pytest.mark.parametrize(("text", "quoted"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusal_quotes_what_was_not_understood_and_gives_examples(zone_name: str, text: str, quoted: str) -> None:
    zone = ZoneInfo(zone_name)
    with pytest.raises(WhenParseError) as err:
        read_when(text, _now(zone), zone)
    message = err.value.message
    assert f'"{quoted}' in message, message
    assert 'Try "' in message or 'like "' in message, message
