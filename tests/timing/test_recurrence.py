from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.timing import recurrence
from bot.timing.recurrence import (
    Schedule,
    describe,
    instant_clock,
    local_to_utc,
    next_occurrence,
    schedule_from_dict,
    schedule_to_dict,
    times_per_week,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0, sec: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, sec, tzinfo=UTC)


def series(s: Schedule, after: datetime, tz: tzinfo, count: int) -> list[datetime]:
    out: list[datetime] = []
    for _ in range(count):
        nxt = next_occurrence(s, after, tz)
        assert nxt is not None
        out.append(nxt)
        after = nxt
    return out


# --- DST: wall-clock times stay put ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "start", "utc_hours"),
    [
        (BERLIN, utc(2026, 3, 27, 12), [19, 19, 18, 18]),  # spring forward 2026-03-29: +1 -> +2
        (BERLIN, utc(2026, 10, 23, 12), [18, 18, 19, 19]),  # fall back 2026-10-25: +2 -> +1
        (NEW_YORK, utc(2026, 3, 6, 12), [1, 1, 0, 0]),  # spring forward 2026-03-08: -5 -> -4
        (NEW_YORK, utc(2026, 10, 30, 12), [0, 0, 1, 1]),  # fall back 2026-11-01: -4 -> -5
    ],
)
def test_daily_stays_at_local_wall_time_across_dst(tz: ZoneInfo, start: datetime, utc_hours: list[int]) -> None:
    got = series(Schedule("daily", at=time(20, 0)), start, tz, 4)
    assert [g.astimezone(tz).time() for g in got] == [time(20, 0)] * 4
    assert [g.hour for g in got] == utc_hours  # the UTC instant moves with the change
    assert all(g.tzinfo is UTC for g in got)
    local_days = [g.astimezone(tz).date() for g in got]
    assert local_days == [local_days[0] + timedelta(days=i) for i in range(4)]


@pytest.mark.parametrize(
    ("tz", "day", "expected_utc"),
    [
        # 02:30 does not exist on spring-forward day: it fires once, at 03:30 local (shifted by the gap).
        (BERLIN, date(2026, 3, 29), utc(2026, 3, 29, 1, 30)),
        (NEW_YORK, date(2026, 3, 8), utc(2026, 3, 8, 7, 30)),
    ],
)
def test_nonexistent_local_time_fires_once_after_the_gap(tz: ZoneInfo, day: date, expected_utc: datetime) -> None:
    s = Schedule("daily", at=time(2, 30))
    got = series(s, datetime.combine(day - timedelta(days=2), time(12), tz), tz, 4)
    on_day = [g for g in got if g.astimezone(tz).date() == day]
    assert on_day == [expected_utc]
    assert expected_utc.astimezone(tz).time() == time(3, 30)
    # Neighbouring days are untouched.
    assert [g.astimezone(tz).time() for g in got if g not in on_day] == [time(2, 30)] * 3


@pytest.mark.parametrize(
    ("tz", "day", "at", "first", "second"),
    [
        # 02:30 happens twice in Berlin on 2026-10-25 (CEST then CET); 01:30 twice in New York on 2026-11-01.
        (BERLIN, date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)),
        (NEW_YORK, date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30)),
    ],
)
def test_repeated_local_time_fires_once_at_the_first(
    tz: ZoneInfo, day: date, at: time, first: datetime, second: datetime
) -> None:
    # Sanity: both instants really show the same wall time.
    assert first.astimezone(tz).replace(tzinfo=None) == second.astimezone(tz).replace(tzinfo=None)
    s = Schedule("daily", at=at)
    got = series(s, datetime.combine(day - timedelta(days=1), time(12), tz), tz, 2)
    assert got[0] == first
    assert second not in got
    assert got[1].astimezone(tz).date() == day + timedelta(days=1)
    # Asking from inside the repeated hour (after the first firing) skips to the next day.
    nxt = next_occurrence(s, first + timedelta(minutes=1), tz)
    assert nxt is not None and nxt.astimezone(tz).date() == day + timedelta(days=1)


def test_local_to_utc_rules() -> None:
    assert local_to_utc(date(2026, 3, 29), time(2, 30), BERLIN) == utc(2026, 3, 29, 1, 30)
    assert local_to_utc(date(2026, 10, 25), time(2, 30), BERLIN) == utc(2026, 10, 25, 0, 30)
    # A fold=1 time passed in is still treated as the first occurrence.
    assert local_to_utc(date(2026, 10, 25), time(2, 30, fold=1), BERLIN) == utc(2026, 10, 25, 0, 30)


# --- weekly / interval ------------------------------------------------------------------------------


def test_weekly_days() -> None:
    s = Schedule("weekly", at=time(20, 0), weekdays=(0, 3))
    got = series(s, utc(2026, 3, 25, 12), BERLIN, 4)  # a Wednesday
    assert [g.astimezone(BERLIN).date() for g in got] == [
        date(2026, 3, 26),
        date(2026, 3, 30),
        date(2026, 4, 2),
        date(2026, 4, 6),
    ]
    # The Thursday before the change is 19:00 UTC, the Monday after 18:00 UTC.
    assert [g.hour for g in got] == [19, 18, 18, 18]


def test_weekly_same_day_later_time_and_strictly_after() -> None:
    s = Schedule("weekly", at=time(20, 0), weekdays=(2,))
    wed_20 = utc(2026, 3, 25, 19)  # Wed 20:00 Berlin
    assert next_occurrence(s, wed_20 - timedelta(seconds=1), BERLIN) == wed_20
    nxt = next_occurrence(s, wed_20, BERLIN)
    assert nxt is not None
    assert nxt.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 4, 1, 20, 0)


def test_every_two_weeks_parity() -> None:
    anchor = date(2026, 3, 28)  # Saturday; its ISO week is week 0
    s = Schedule("weekly", at=time(10, 0), weekdays=(5,), every=2, anchor=anchor)
    got = series(s, utc(2026, 3, 1), BERLIN, 4)
    assert [g.astimezone(BERLIN).date() for g in got] == [
        date(2026, 3, 28),
        date(2026, 4, 11),
        date(2026, 4, 25),
        date(2026, 5, 9),
    ]
    # From inside an odd week the next firing is in the following even week.
    nxt = next_occurrence(s, utc(2026, 4, 4, 12), BERLIN)
    assert nxt is not None and nxt.astimezone(BERLIN).date() == date(2026, 4, 11)


def test_every_two_weeks_several_days_anchor_midweek() -> None:
    # Anchor on a Wednesday: Monday of week 0 is before the anchor and does not fire.
    s = Schedule("weekly", at=time(8, 0), weekdays=(0, 3), every=2, anchor=date(2026, 3, 25))
    got = series(s, utc(2026, 3, 20), BERLIN, 5)
    assert [g.astimezone(BERLIN).date() for g in got] == [
        date(2026, 3, 26),
        date(2026, 4, 6),
        date(2026, 4, 9),
        date(2026, 4, 20),
        date(2026, 4, 23),
    ]


def test_every_n_weeks_far_in_the_future_keeps_parity() -> None:
    anchor = date(2026, 3, 28)
    s = Schedule("weekly", at=time(10, 0), weekdays=(5,), every=3, anchor=anchor)
    nxt = next_occurrence(s, utc(2031, 7, 1), BERLIN)
    assert nxt is not None
    d = nxt.astimezone(BERLIN).date()
    assert d.weekday() == 5 and (d - anchor).days % 21 == 0
    assert utc(2031, 7, 1) < nxt <= utc(2031, 7, 1) + timedelta(days=21)


def test_interval_counts_from_anchor() -> None:
    s = Schedule("interval", at=time(8, 0), every=3, anchor=date(2026, 3, 26))
    got = series(s, utc(2026, 3, 20), BERLIN, 4)  # nothing before the anchor
    assert [g.astimezone(BERLIN).date() for g in got] == [
        date(2026, 3, 26),
        date(2026, 3, 29),
        date(2026, 4, 1),
        date(2026, 4, 4),
    ]
    assert [g.hour for g in got] == [7, 6, 6, 6]  # 08:00 local throughout; DST on the 29th
    far = next_occurrence(s, utc(2040, 1, 1), BERLIN)
    assert far is not None and (far.astimezone(BERLIN).date() - date(2026, 3, 26)).days % 3 == 0


def test_next_occurrence_is_bounded_work(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real = recurrence.local_to_utc

    def counting(day: date, at: time, tz: tzinfo) -> datetime:
        nonlocal calls
        calls += 1
        return real(day, at, tz)

    monkeypatch.setattr(recurrence, "local_to_utc", counting)
    s = Schedule("weekly", at=time(10, 0), weekdays=(5,), every=52, anchor=date(2000, 1, 1))
    assert next_occurrence(s, utc(2090, 6, 1), BERLIN) is not None
    s2 = Schedule("interval", at=time(10, 0), every=365, anchor=date(2000, 1, 1))
    assert next_occurrence(s2, utc(2090, 6, 1), BERLIN) is not None
    assert calls <= 6


def test_once() -> None:
    at = utc(2026, 12, 10, 8)
    s = Schedule("once", once_utc=at)
    assert next_occurrence(s, at - timedelta(seconds=1), BERLIN) == at
    assert next_occurrence(s, at, BERLIN) is None
    assert next_occurrence(s, at + timedelta(days=1), BERLIN) is None
    # once_utc given in another zone is normalised to UTC.
    assert Schedule("once", once_utc=at.astimezone(BERLIN)).once_utc == at
    assert Schedule("once", once_utc=at.astimezone(BERLIN)).once_utc.tzinfo is UTC  # type: ignore[union-attr]


def test_naive_after_is_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_occurrence(Schedule("daily", at=time(9)), datetime(2026, 1, 1), BERLIN)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "yearly", "at": time(9)},
        {"kind": "daily"},
        {"kind": "daily", "at": time(9), "every": 0},
        {"kind": "weekly", "at": time(9)},
        {"kind": "weekly", "at": time(9), "weekdays": (3, 0)},
        {"kind": "weekly", "at": time(9), "weekdays": (7,)},
        {"kind": "weekly", "at": time(9), "weekdays": (1,), "every": 2},
        {"kind": "interval", "at": time(9), "every": 3},
        {"kind": "once"},
        {"kind": "once", "once_utc": datetime(2026, 1, 1)},
        {"kind": "daily", "at": time(9, tzinfo=UTC)},
    ],
)
def test_invalid_schedules_are_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Schedule(**kwargs)


# --- describe / times_per_week -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "text"),
    [
        (Schedule("once", once_utc=utc(2026, 12, 10, 8)), "once on Thu 10 Dec 2026 at 09:00"),
        (Schedule("daily", at=time(21, 30)), "every day at 21:30"),
        (Schedule("weekly", at=time(20), weekdays=(0, 3)), "every Mon and Thu at 20:00"),
        (Schedule("weekly", at=time(7), weekdays=(0, 1, 2, 3, 4)), "every weekday at 07:00"),
        (Schedule("weekly", at=time(20), weekdays=(0, 2, 4)), "every Mon, Wed and Fri at 20:00"),
        (Schedule("weekly", at=time(10), weekdays=(5, 6)), "every Sat and Sun at 10:00"),
        (Schedule("weekly", at=time(10), weekdays=tuple(range(7))), "every day at 10:00"),
        (Schedule("interval", at=time(8), every=3, anchor=date(2026, 1, 1)), "every 3 days at 08:00"),
        (
            Schedule("weekly", at=time(10), weekdays=(5,), every=2, anchor=date(2026, 1, 1)),
            "every 2 weeks on Sat at 10:00",
        ),
        (Schedule("daily", at=time(7, 0, 30)), "every day at 07:00:30"),
    ],
)
def test_describe(schedule: Schedule, text: str) -> None:
    assert describe(schedule, BERLIN) == text


def test_describe_once_uses_the_zone() -> None:
    s = Schedule("once", once_utc=utc(2026, 12, 10, 8))
    assert describe(s, NEW_YORK) == "once on Thu 10 Dec 2026 at 03:00"


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (Schedule("once", once_utc=utc(2026, 1, 1)), 0.0),
        (Schedule("daily", at=time(9)), 7.0),
        (Schedule("weekly", at=time(9), weekdays=(0, 3)), 2.0),
        (Schedule("weekly", at=time(9), weekdays=(5,), every=2, anchor=date(2026, 1, 1)), 0.5),
        (Schedule("interval", at=time(9), every=2, anchor=date(2026, 1, 1)), 3.5),
    ],
)
def test_times_per_week(schedule: Schedule, expected: float) -> None:
    assert times_per_week(schedule) == pytest.approx(expected)


# --- serialisation ------------------------------------------------------------------------------------

ROUND_TRIP = [
    Schedule("once", once_utc=utc(2026, 12, 10, 8, 0, 5)),
    Schedule("once", once_utc=datetime(2026, 12, 10, 8, 0, 0, 123456, tzinfo=UTC)),
    Schedule("daily", at=time(21, 30)),
    Schedule("daily", at=time(7, 0, 30)),
    Schedule("weekly", at=time(20), weekdays=(0, 3)),
    Schedule("weekly", at=time(10), weekdays=(5,), every=2, anchor=date(2026, 3, 28)),
    Schedule("interval", at=time(8), every=3, anchor=date(2026, 3, 26)),
]


@pytest.mark.parametrize("schedule", ROUND_TRIP)
def test_round_trip_through_json(schedule: Schedule) -> None:
    d = schedule_to_dict(schedule)
    assert schedule_from_dict(json.loads(json.dumps(d))) == schedule


def test_dict_format() -> None:
    s = Schedule("weekly", at=time(10), weekdays=(5,), every=2, anchor=date(2026, 3, 28))
    assert schedule_to_dict(s) == {
        "kind": "weekly",
        "at": "10:00",
        "weekdays": [5],
        "every": 2,
        "anchor": "2026-03-28",
        "once_utc": None,
    }
    assert schedule_to_dict(Schedule("once", once_utc=utc(2026, 12, 10, 8)))["once_utc"] == "2026-12-10T08:00:00+00:00"


def test_from_dict_accepts_epoch_and_minimal_dicts() -> None:
    at = utc(2026, 12, 10, 8)
    assert schedule_from_dict({"kind": "once", "once_utc": at.timestamp()}).once_utc == at
    assert schedule_from_dict({"kind": "daily", "at": "21:30"}) == Schedule("daily", at=time(21, 30))
    s = schedule_from_dict({"kind": "once", "once_utc": "2026-12-10T09:00:00+01:00"})
    assert s.once_utc == at and s.once_utc.tzinfo is UTC


@pytest.mark.parametrize(
    "d",
    [
        {"kind": "hourly"},
        {"kind": "daily", "at": 930},
        {"kind": "daily", "at": "25:00"},
        {"kind": "weekly", "at": "10:00", "weekdays": "mon"},
        {"kind": "weekly", "at": "10:00", "weekdays": [True]},
        {"kind": "interval", "at": "10:00", "every": 2, "anchor": 20260101},
        {"kind": "once", "once_utc": "2026-12-10T08:00:00"},
        {"kind": "once", "once_utc": 1e300},
        {"kind": "once", "once_utc": ["x"]},
    ],
)
def test_from_dict_rejects_bad_data(d: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        schedule_from_dict(d)


# --- properties -------------------------------------------------------------------------------------

ZONES: list[tzinfo] = [
    BERLIN,
    NEW_YORK,
    ZoneInfo("Australia/Lord_Howe"),  # 30-minute DST shift
    ZoneInfo("America/Sao_Paulo"),  # historical DST changes at midnight
    ZoneInfo("Asia/Kolkata"),
    ZoneInfo("Pacific/Chatham"),
    UTC,
    timezone(timedelta(hours=-5, minutes=-30)),
]

_days = st.dates(min_value=date(1995, 1, 1), max_value=date(2045, 12, 31))


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    kind = draw(st.sampled_from(["once", "daily", "weekly", "interval"]))
    at = draw(st.times())
    if kind == "once":
        return Schedule("once", once_utc=draw(st.datetimes(timezones=st.just(UTC))))
    if kind == "daily":
        return Schedule("daily", at=at)
    if kind == "interval":
        return Schedule("interval", at=at, every=draw(st.integers(1, 30)), anchor=draw(_days))
    every = draw(st.integers(1, 6))
    weekdays = tuple(sorted(draw(st.sets(st.integers(0, 6), min_size=1))))
    anchor = draw(st.one_of(st.none(), _days)) if every == 1 else draw(_days)
    return Schedule("weekly", at=at, weekdays=weekdays, every=every, anchor=anchor)


def _matches(s: Schedule, d: date) -> bool:
    """The day rule spelled out naively, as an oracle for the O(1) arithmetic."""
    if s.kind == "daily":
        return True
    assert s.anchor is not None or s.kind == "weekly"
    if s.anchor is not None and d < s.anchor:
        return False
    if s.kind == "interval":
        assert s.anchor is not None
        return (d - s.anchor).days % s.every == 0
    if d.weekday() not in s.weekdays:
        return False
    if s.anchor is None:
        return True
    weeks = (d - timedelta(days=d.weekday()) - (s.anchor - timedelta(days=s.anchor.weekday()))).days // 7
    return weeks % s.every == 0


def _brute_force(s: Schedule, after: datetime, tz: tzinfo) -> datetime:
    assert s.at is not None
    d = after.astimezone(tz).date() - timedelta(days=1)
    if s.anchor is not None and d < s.anchor:
        d = s.anchor - timedelta(days=1)
    for _ in range(400):
        if _matches(s, d) and (inst := local_to_utc(d, s.at, tz)) > after:
            return inst
        d += timedelta(days=1)
    raise AssertionError("no occurrence within 400 days")


@settings(max_examples=300, deadline=None)
@given(
    schedules(),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2050, 1, 1), timezones=st.just(UTC)),
    st.sampled_from(ZONES),
)
def test_occurrences_strictly_increase(s: Schedule, after: datetime, tz: tzinfo) -> None:
    prev = after
    seen: set[datetime] = set()
    for _ in range(6):
        nxt = next_occurrence(s, prev, tz)
        if nxt is None:
            assert s.kind == "once" and s.once_utc is not None and s.once_utc <= prev
            break
        assert nxt > prev and nxt not in seen and nxt.tzinfo is UTC
        if s.kind != "once":
            assert nxt == _brute_force(s, prev, tz)  # and nothing was skipped
        seen.add(nxt)
        prev = nxt


@pytest.mark.parametrize(
    ("utc_hour", "shown"),
    [(4.5, "00:30"), (5.5, "01:30 EDT"), (6.5, "01:30 EST"), (7.5, "02:30")],
)
def test_a_wall_time_the_clocks_going_back_repeat_names_its_zone(utc_hour: float, shown: str) -> None:
    # New York, Sun 7 Nov 2027: 01:00-02:00 happens twice. Only those times need the abbreviation.
    moment = datetime.fromtimestamp(datetime(2027, 11, 7, tzinfo=UTC).timestamp() + utc_hour * 3600, tz=UTC)
    assert instant_clock(moment.astimezone(ZoneInfo("America/New_York"))) == shown


def test_no_other_day_and_no_fixed_zone_gets_an_abbreviation() -> None:
    assert instant_clock(datetime(2027, 11, 8, 1, 30, tzinfo=ZoneInfo("America/New_York"))) == "01:30"
    assert instant_clock(datetime(2027, 11, 7, 1, 30, tzinfo=UTC)) == "01:30"
