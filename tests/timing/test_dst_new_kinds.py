"""Exactly once across clock changes for the kinds #13 added: monthly, several times a day, and repeats with an end.

Three zones, one in the southern hemisphere, each on its 2027 change days:
    Europe/Berlin     forward 28 Mar 02:00 CET -> 03:00 CEST     back 31 Oct 03:00 CEST -> 02:00 CET
    America/New_York  forward 14 Mar 02:00 EST -> 03:00 EDT      back 7 Nov 02:00 EDT -> 01:00 EST
    Australia/Sydney  back 4 Apr 03:00 AEDT -> 02:00 AEST        forward 3 Oct 02:00 AEST -> 03:00 AEDT
A wall time the change skips fires once, just after the gap (02:30 -> 03:30); one that happens twice fires
once, at the first. The expected instants below are worked out by hand from those offsets.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.timing.clock import FakeClock
from bot.timing.readings import read_when
from bot.timing.recurrence import END_OF_DAY, LAST, Schedule, local_to_utc, monthly_day, next_occurrence, upcoming

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
SUN = 6


def z(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def monthly(at: time, *also: time, **kw: object) -> Schedule:
    return Schedule("monthly", at=at, also_at=also, **kw)  # type: ignore[arg-type]


CASES = [
    # Berlin
    (
        "Berlin: last Sunday of the month at 02:30, through the spring gap",
        BERLIN,
        monthly(time(2, 30), month_week=LAST, weekdays=(SUN,)),
        z(2027, 2, 1, 0),
        [z(2027, 2, 28, 1, 30), z(2027, 3, 28, 1, 30), z(2027, 4, 25, 0, 30)],  # Mar 28: 03:30 CEST
    ),
    (
        "Berlin: last Sunday of the month at 02:30, through the repeated hour",
        BERLIN,
        monthly(time(2, 30), month_week=LAST, weekdays=(SUN,)),
        z(2027, 9, 1, 0),
        [z(2027, 9, 26, 0, 30), z(2027, 10, 31, 0, 30), z(2027, 11, 28, 1, 30)],  # Oct 31: the CEST one
    ),
    (
        "Berlin: the 28th at 02:30 and 14:30",
        BERLIN,
        monthly(time(2, 30), time(14, 30), monthday=28),
        z(2027, 3, 27, 0),
        [z(2027, 3, 28, 1, 30), z(2027, 3, 28, 12, 30), z(2027, 4, 28, 0, 30)],
    ),
    (
        "Berlin: every day at 02:15 and 02:45 over the repeated hour",
        BERLIN,
        Schedule("daily", at=time(2, 15), also_at=(time(2, 45),)),
        z(2027, 10, 30, 12),
        [z(2027, 10, 31, 0, 15), z(2027, 10, 31, 0, 45), z(2027, 11, 1, 1, 15), z(2027, 11, 1, 1, 45)],
    ),
    (
        "Berlin: every day at 02:30 until the spring change day",
        BERLIN,
        Schedule("daily", at=time(2, 30), ends=datetime.combine(date(2027, 3, 28), END_OF_DAY)),
        z(2027, 3, 26, 12),
        [z(2027, 3, 27, 1, 30), z(2027, 3, 28, 1, 30)],
    ),
    (
        "Berlin: every day at 02:30 ending at the first 02:30 of the autumn change day",
        BERLIN,
        Schedule("daily", at=time(2, 30), ends=datetime(2027, 10, 31, 2, 30)),
        z(2027, 10, 29, 12),
        [z(2027, 10, 30, 0, 30), z(2027, 10, 31, 0, 30)],
    ),
    # New York
    (
        "New York: second Sunday of the month at 02:30, through the spring gap",
        NEW_YORK,
        monthly(time(2, 30), month_week=2, weekdays=(SUN,)),
        z(2027, 2, 1, 12),
        [z(2027, 2, 14, 7, 30), z(2027, 3, 14, 7, 30), z(2027, 4, 11, 6, 30)],
    ),
    (
        "New York: the 7th at 01:30 and 13:30, over the repeated hour",
        NEW_YORK,
        monthly(time(1, 30), time(13, 30), monthday=7),
        z(2027, 11, 6, 12),
        [z(2027, 11, 7, 5, 30), z(2027, 11, 7, 18, 30), z(2027, 12, 7, 6, 30)],
    ),
    (
        "New York: every day at 01:30, 02:30 and 03:30 on the spring change day",
        NEW_YORK,
        Schedule("daily", at=time(1, 30), also_at=(time(2, 30), time(3, 30))),
        z(2027, 3, 13, 12),
        # 02:30 does not exist and becomes 03:30 EDT, the instant of 03:30 itself: it fires once.
        [z(2027, 3, 14, 6, 30), z(2027, 3, 14, 7, 30), z(2027, 3, 15, 5, 30), z(2027, 3, 15, 6, 30)],
    ),
    (
        "New York: the 14th at 02:30, three times",
        NEW_YORK,
        monthly(time(2, 30), monthday=14, ends=datetime(2027, 4, 14, 2, 30)),
        z(2027, 2, 1, 12),
        [z(2027, 2, 14, 7, 30), z(2027, 3, 14, 7, 30), z(2027, 4, 14, 6, 30)],
    ),
    # Sydney (southern hemisphere: back in April, forward in October)
    (
        "Sydney: first Sunday of the month at 02:30, through the repeated hour",
        SYDNEY,
        monthly(time(2, 30), month_week=1, weekdays=(SUN,)),
        z(2027, 3, 1, 0),
        [z(2027, 3, 6, 15, 30), z(2027, 4, 3, 15, 30), z(2027, 5, 1, 16, 30)],  # Apr 4: the AEDT one
    ),
    (
        "Sydney: first Sunday of the month at 02:30, through the spring gap",
        SYDNEY,
        monthly(time(2, 30), month_week=1, weekdays=(SUN,)),
        z(2027, 9, 1, 0),
        [z(2027, 9, 4, 16, 30), z(2027, 10, 2, 16, 30), z(2027, 11, 6, 15, 30)],  # Oct 3: 03:30 AEDT
    ),
    (
        "Sydney: every day at 02:15 and 02:45 over the repeated hour",
        SYDNEY,
        Schedule("daily", at=time(2, 15), also_at=(time(2, 45),)),
        z(2027, 4, 2, 12),
        [
            z(2027, 4, 2, 15, 15),
            z(2027, 4, 2, 15, 45),
            z(2027, 4, 3, 15, 15),
            z(2027, 4, 3, 15, 45),
            z(2027, 4, 4, 16, 15),
        ],
    ),
    (
        "Sydney: every day at 02:30 until the spring change day",
        SYDNEY,
        Schedule("daily", at=time(2, 30), ends=datetime.combine(date(2027, 10, 3), END_OF_DAY)),
        z(2027, 10, 1, 12),
        [z(2027, 10, 1, 16, 30), z(2027, 10, 2, 16, 30)],
    ),
]


@pytest.mark.parametrize(("name", "tz", "schedule", "start", "expected"), CASES, ids=[c[0] for c in CASES])
def test_walking_next_occurrence(
    name: str, tz: ZoneInfo, schedule: Schedule, start: datetime, expected: list[datetime]
) -> None:
    found = upcoming(schedule, start, tz, len(expected) + (1 if schedule.ends is not None else 0))
    assert found == expected


@pytest.mark.parametrize(("name", "tz", "schedule", "start", "expected"), CASES, ids=[c[0] for c in CASES])
def test_a_ticking_scheduler_fires_each_exactly_once(
    name: str, tz: ZoneInfo, schedule: Schedule, start: datetime, expected: list[datetime]
) -> None:
    """The scheduler's loop under a clock the test moves: every 10 minutes, send whatever fell due."""
    clock = FakeClock(start)
    fired: list[datetime] = []
    last = start
    due = next_occurrence(schedule, last, tz)
    # Past the last expected one; a repeat with an end is watched three more days for anything after it.
    until = expected[-1] + (timedelta(days=3) if schedule.ends is not None else timedelta(minutes=5))
    while clock.now() < until:
        clock.advance(timedelta(minutes=10))
        while due is not None and due <= clock.now():
            fired.append(due)
            last = due
            due = next_occurrence(schedule, last, tz)
    assert fired == expected
    assert len(set(fired)) == len(fired)


# --- a year of each kind: no duplicate, no day lost -----------------------------------------------

YEAR_SCHEDULES = [
    monthly(time(2, 30), monthday=LAST),
    monthly(time(2, 30), monthday=31),
    monthly(time(1, 30), time(2, 30), time(3, 30), month_week=1, weekdays=(SUN,)),
    monthly(time(2, 30), month_week=LAST, weekdays=(SUN,)),
    monthly(time(2, 30), month_week=2, weekdays=(SUN,), every=2, anchor=date(2027, 1, 1)),
    Schedule("daily", at=time(0, 30), also_at=(time(1, 30), time(2, 30), time(3, 30))),
    Schedule("weekly", at=time(2, 30), also_at=(time(20, 0),), weekdays=(SUN,)),
    Schedule("interval", at=time(2, 15), also_at=(time(2, 45),), every=3, anchor=date(2027, 1, 2)),
    Schedule("daily", at=time(2, 30), ends=datetime(2027, 11, 7, 2, 30)),
]


def _scheduled_days(schedule: Schedule, first: date, last: date) -> list[date]:
    days = []
    d = first
    while d <= last:
        if schedule.kind == "monthly":
            if d == monthly_day(schedule, d.year, d.month):
                months = (
                    0
                    if schedule.anchor is None
                    else (d.year - schedule.anchor.year) * 12 + d.month - schedule.anchor.month
                )
                if months % schedule.every == 0:
                    days.append(d)
        elif schedule.kind == "weekly":
            if d.weekday() in schedule.weekdays:
                days.append(d)
        elif schedule.kind == "interval":
            assert schedule.anchor is not None
            if (d - schedule.anchor).days % schedule.every == 0:
                days.append(d)
        else:
            days.append(d)
        d += timedelta(days=1)
    return days


@pytest.mark.parametrize("tz", [BERLIN, NEW_YORK, SYDNEY], ids=str)
@pytest.mark.parametrize("schedule", YEAR_SCHEDULES, ids=[str(i) for i in range(len(YEAR_SCHEDULES))])
def test_a_year_fires_every_scheduled_time_once(tz: ZoneInfo, schedule: Schedule) -> None:
    start = datetime(2027, 1, 1, tzinfo=tz)
    end = datetime(2028, 1, 1, tzinfo=tz)
    found = []
    cursor = start
    while (nxt := next_occurrence(schedule, cursor, tz)) is not None and nxt < end:
        found.append(nxt)
        cursor = nxt
    assert found == sorted(set(found)), "no instant twice, always forward"
    wanted = {
        local_to_utc(day, at, tz)
        for day in _scheduled_days(schedule, date(2027, 1, 1), date(2027, 12, 31))
        for at in schedule.times
        if schedule.ends is None or datetime.combine(day, at) <= schedule.ends
    }
    assert set(found) == wanted  # every scheduled day and time, none lost, none extra
    days = _scheduled_days(schedule, date(2027, 1, 1), date(2027, 12, 31))
    assert schedule.at is not None
    kept = {d for d in days if schedule.ends is None or datetime.combine(d, schedule.at) <= schedule.ends}
    assert {f.astimezone(tz).date() for f in found} == kept  # a gap moves a time, never the day


# --- the same through the grammar --------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "local_now", "text", "expected"),
    [
        (
            BERLIN,
            datetime(2027, 3, 26, 12),
            "every day at 2:30 3 times",
            [z(2027, 3, 27, 1, 30), z(2027, 3, 28, 1, 30), z(2027, 3, 29, 0, 30)],
        ),
        (
            NEW_YORK,
            datetime(2027, 11, 5, 12),
            "every day at 1:30 for 3 days",
            [z(2027, 11, 6, 5, 30), z(2027, 11, 7, 5, 30), z(2027, 11, 8, 6, 30)],
        ),
        (
            SYDNEY,
            datetime(2027, 3, 30, 12),
            "every first sunday of the month at 2:30 2 times",
            [z(2027, 4, 3, 15, 30), z(2027, 5, 1, 16, 30)],
        ),
        (
            SYDNEY,
            datetime(2027, 10, 1, 12),
            "twice a day at 2:30 and 14:30 for 3 days",
            [
                z(2027, 10, 1, 4, 30),
                z(2027, 10, 1, 16, 30),
                z(2027, 10, 2, 4, 30),
                z(2027, 10, 2, 16, 30),
                z(2027, 10, 3, 3, 30),
            ],
        ),
    ],
)
def test_parsed_repeats_with_an_end_keep_exactly_once(
    tz: ZoneInfo, local_now: datetime, text: str, expected: list[datetime]
) -> None:
    now = local_now.replace(tzinfo=tz)
    reading = read_when(text, now, tz)
    assert upcoming(reading.schedule, now, tz, 12) == expected  # and nothing after the end
