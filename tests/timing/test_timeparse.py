from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.timing.readings import parse_when
from bot.timing.recurrence import Schedule, describe, next_occurrence
from bot.timing.timeparse import WhenParseError, parse_clock, parse_days, parse_duration

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
# Wednesday 25 Mar 2026, 13:00 in Berlin (CET, +1), four days before the spring change.
NOW = datetime(2026, 3, 25, 12, 0, tzinfo=UTC)


def once(y: int, mo: int, d: int, h: int, mi: int = 0, sec: int = 0) -> Schedule:
    return Schedule("once", once_utc=datetime(y, mo, d, h, mi, sec, tzinfo=UTC))


def local(s: Schedule, tz: ZoneInfo = BERLIN) -> datetime:
    assert s.once_utc is not None
    return s.once_utc.astimezone(tz).replace(tzinfo=None)


# --- parse_duration / parse_clock / parse_days ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("10m", timedelta(minutes=10)),
        ("2h", timedelta(hours=2)),
        ("3d", timedelta(days=3)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
        ("90 min", timedelta(minutes=90)),
        ("15 minutes", timedelta(minutes=15)),
        ("1 hour", timedelta(hours=1)),
        ("2 Hours", timedelta(hours=2)),
        ("an hour", timedelta(hours=1)),
        ("1 hour and 30 minutes", timedelta(hours=1, minutes=30)),
        ("1.5h", timedelta(minutes=90)),
        ("2w", timedelta(weeks=2)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "30", "10 lightyears", "0m", "1h banana", "99999999999999d", "h"])
def test_parse_duration_errors(text: str) -> None:
    with pytest.raises(WhenParseError) as err:
        parse_duration(text)
    assert f'"{text}"' in err.value.message or not text
    assert 'Try "' in err.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21:30", time(21, 30)),
        ("9am", time(9)),
        ("9 AM", time(9)),
        ("9:15pm", time(21, 15)),
        ("9:15 p.m.", time(21, 15)),
        ("7", time(7)),
        ("07:00", time(7)),
        ("0:00", time(0)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("noon", time(12)),
        ("Midnight", time(0)),
        ("9.45", time(9, 45)),
        ("07:00:30", time(7, 0, 30)),
    ],
)
def test_parse_clock(text: str, expected: time) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["25:00", "24:00", "9:60", "13pm", "0am", "evening", "9:5", "1234"])
def test_parse_clock_errors(text: str) -> None:
    with pytest.raises(WhenParseError) as err:
        parse_clock(text)
    assert f'"{text}"' in err.value.message
    assert 'Try "' in err.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon,thu", (0, 3)),
        ("mon thu", (0, 3)),
        ("Mon, Thu", (0, 3)),
        ("thu,mon,mon", (0, 3)),
        ("monday and thursday", (0, 3)),
        ("mondays & thursdays", (0, 3)),
        ("weekdays", (0, 1, 2, 3, 4)),
        ("weekday", (0, 1, 2, 3, 4)),
        ("weekends", (5, 6)),
        ("daily", (0, 1, 2, 3, 4, 5, 6)),
        ("mon-fri", (0, 1, 2, 3, 4)),
        ("fri - mon", (0, 4, 5, 6)),
        ("tues/weds/thurs", (1, 2, 3)),
    ],
)
def test_parse_days(text: str, expected: tuple[int, ...]) -> None:
    assert parse_days(text) == expected


@pytest.mark.parametrize(("text", "bad"), [("mon,fortnight", "fortnight"), ("funday", "funday"), ("and", "and")])
def test_parse_days_errors(text: str, bad: str) -> None:
    with pytest.raises(WhenParseError) as err:
        parse_days(text)
    if bad != "and":
        assert f'"{bad}"' in err.value.message
    assert '"mon,thu"' in err.value.message


# --- parse_when: once ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in 30s", NOW + timedelta(seconds=30)),
        ("in 10m", NOW + timedelta(minutes=10)),
        ("in 2h", NOW + timedelta(hours=2)),
        ("in 3d", NOW + timedelta(days=3)),
        ("in 1h30m", NOW + timedelta(hours=1, minutes=30)),
        ("in 2 hours", NOW + timedelta(hours=2)),
        ("  IN   90 min ", NOW + timedelta(minutes=90)),
    ],
)
def test_in_duration(text: str, expected: datetime) -> None:
    assert parse_when(text, NOW, BERLIN) == Schedule("once", once_utc=expected)


@pytest.mark.parametrize(
    ("text", "expected_local"),
    [
        ("at 21:30", datetime(2026, 3, 25, 21, 30)),  # still ahead today
        ("at 9", datetime(2026, 3, 25, 21, 0)),  # a lone hour: the sooner of 09:00 and 21:00 (09:00 is offered)
        ("at 9:00", datetime(2026, 3, 26, 9, 0)),  # with minutes it is a 24-hour time: passed today, so tomorrow
        ("at 13:00", datetime(2026, 3, 26, 13, 0)),  # exactly now is not "ahead"
        ("at 13:01", datetime(2026, 3, 25, 13, 1)),
        ("today at 18:00", datetime(2026, 3, 25, 18, 0)),
        ("tomorrow at 9am", datetime(2026, 3, 26, 9, 0)),
        ("Tomorrow", datetime(2026, 3, 26, 9, 0)),
        ("at 9am tomorrow", datetime(2026, 3, 26, 9, 0)),
        ("on 2026-12-10 at 09:00", datetime(2026, 12, 10, 9, 0)),
        ("on 2026-12-10", datetime(2026, 12, 10, 9, 0)),
        ("on 10 dec at 9:00", datetime(2026, 12, 10, 9, 0)),
        ("on dec 10", datetime(2026, 12, 10, 9, 0)),
        ("on December 10th, 2027 at 7pm", datetime(2027, 12, 10, 19, 0)),
        ("on the 1st of april at 8:00", datetime(2026, 4, 1, 8, 0)),
        ("on 1 mar", datetime(2027, 3, 1, 9, 0)),  # passed this year: next year
        ("on 29 feb", datetime(2028, 2, 29, 9, 0)),  # the next leap day
        ("on friday at 18:00", datetime(2026, 3, 27, 18, 0)),
        ("on wed at 18:00", datetime(2026, 3, 25, 18, 0)),  # today, still ahead
        ("on wed at 8:00", datetime(2026, 4, 1, 8, 0)),  # today has passed: next week
        ("at 8pm on 2026-12-10", datetime(2026, 12, 10, 20, 0)),
    ],
)
def test_once_phrases(text: str, expected_local: datetime) -> None:
    s = parse_when(text, NOW, BERLIN)
    assert s.kind == "once"
    assert local(s) == expected_local


def test_once_in_other_zone() -> None:
    assert parse_when("tomorrow at 9am", NOW, NEW_YORK) == once(2026, 3, 26, 13)  # EDT, -4


def test_once_in_spring_gap_fires_after_the_gap() -> None:
    s = parse_when("on 2026-03-29 at 02:30", NOW, BERLIN)
    assert local(s) == datetime(2026, 3, 29, 3, 30)
    assert s == once(2026, 3, 29, 1, 30)


def test_once_in_repeated_hour_takes_the_first() -> None:
    assert parse_when("on 2026-11-01 at 01:30", NOW, NEW_YORK) == once(2026, 11, 1, 5, 30)


def test_at_uses_the_users_day_not_utc() -> None:
    # 23:30 UTC on the 25th is already the 26th in Berlin.
    now = datetime(2026, 3, 25, 23, 30, tzinfo=UTC)
    assert local(parse_when("today at 18:00", now, BERLIN)) == datetime(2026, 3, 26, 18, 0)
    assert local(parse_when("at 1:00", now, BERLIN)) == datetime(2026, 3, 26, 1, 0)  # 00:30 local now
    assert local(parse_when("at 0:15", now, BERLIN)) == datetime(2026, 3, 27, 0, 15)


# --- parse_when: recurring --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("every day at 21:30", Schedule("daily", at=time(21, 30))),
        ("daily at 21:30", Schedule("daily", at=time(21, 30))),
        ("everyday at 9pm", Schedule("daily", at=time(21, 0))),
        ("every mon,thu at 20:00", Schedule("weekly", at=time(20), weekdays=(0, 3))),
        ("Every  Mon , Thu   at 20:00", Schedule("weekly", at=time(20), weekdays=(0, 3))),
        ("every monday and thursday at 8pm", Schedule("weekly", at=time(20), weekdays=(0, 3))),
        ("every weekday at 7:00", Schedule("weekly", at=time(7), weekdays=(0, 1, 2, 3, 4))),
        ("every weekend at 10:00", Schedule("weekly", at=time(10), weekdays=(5, 6))),
        ("every week on sun at 19:00", Schedule("weekly", at=time(19), weekdays=(6,))),
        ("weekly on sun at 19:00", Schedule("weekly", at=time(19), weekdays=(6,))),
        ("at 20:00 every mon,thu", Schedule("weekly", at=time(20), weekdays=(0, 3))),
        ("every 1 day at 8:00", Schedule("daily", at=time(8))),
        ("every mon-sun at 8:00", Schedule("daily", at=time(8))),
        # Anchors: the first day whose time is still ahead (13:00 on Wed 25th now).
        ("every 3 days at 8:00", Schedule("interval", at=time(8), every=3, anchor=date(2026, 3, 26))),
        ("every 3 days at 18:00", Schedule("interval", at=time(18), every=3, anchor=date(2026, 3, 25))),
        ("every other day at 7", Schedule("interval", at=time(7), every=2, anchor=date(2026, 3, 26))),
        (
            "every 2 weeks on sat at 10:00",
            Schedule("weekly", at=time(10), weekdays=(5,), every=2, anchor=date(2026, 3, 28)),
        ),
        (
            "every 2 weeks on wed at 10:00",  # today's 10:00 has passed: the series starts next week
            Schedule("weekly", at=time(10), weekdays=(2,), every=2, anchor=date(2026, 4, 1)),
        ),
        (
            "fortnightly on mon,thu at 9",
            Schedule("weekly", at=time(9), weekdays=(0, 3), every=2, anchor=date(2026, 3, 26)),
        ),
    ],
)
def test_recurring_phrases(text: str, expected: Schedule) -> None:
    assert parse_when(text, NOW, BERLIN) == expected


def test_every_two_weeks_fires_first_on_the_next_matching_day_then_every_other_week() -> None:
    s = parse_when("every 2 weeks on sat at 10:00", NOW, BERLIN)
    got: list[date] = []
    after = NOW
    for _ in range(3):
        nxt = next_occurrence(s, after, BERLIN)
        assert nxt is not None
        got.append(nxt.astimezone(BERLIN).date())
        after = nxt
    assert got == [date(2026, 3, 28), date(2026, 4, 11), date(2026, 4, 25)]


def test_parsed_daily_keeps_wall_time_over_dst() -> None:
    s = parse_when("every day at 20:00", NOW, BERLIN)
    before = next_occurrence(s, datetime(2026, 3, 28, 12, tzinfo=UTC), BERLIN)
    after = next_occurrence(s, datetime(2026, 3, 29, 12, tzinfo=UTC), BERLIN)
    assert before is not None and after is not None
    assert (before.hour, after.hour) == (19, 18)
    assert before.astimezone(BERLIN).hour == after.astimezone(BERLIN).hour == 20


def test_describe_of_parsed_phrases() -> None:
    assert describe(parse_when("every monday and thursday at 8pm", NOW, BERLIN), BERLIN) == "every Mon and Thu at 20:00"
    assert describe(parse_when("on 10 dec at 9:00", NOW, BERLIN), BERLIN) == "once on Thu 10 Dec 2026 at 09:00"


# --- errors -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("blah", "blah"),
        ("next full moon", "next full moon"),
        ("every mon,thu", "every mon,thu"),
        ("every day", "every day"),
        ("every 3 days", "every 3 days"),
        ("every 2 weeks on sat", "every 2 weeks on sat"),
        ("every 2 weeks at 10:00", "every 2 weeks at 10:00"),
        ("on 2020-01-01 at 09:00", "on 2020-01-01 at 09:00"),
        ("today at 08:00", "today at 08:00"),
        ("at 25:00", "25:00"),
        ("every day at 24:30", "24:30"),
        ("at 9:75", "9:75"),
        ("at dawn", "dawn"),
        ("every 0 days at 9", "every 0 days"),
        ("every 0 weeks on sat at 9", "every 0 weeks"),
        ("every 999 days at 9", "every 999 days"),
        ("on 2026-02-30", "2026-02-30"),
        ("on 31 feb", "31 feb"),
        ("on 10/12 at 9", "10/12"),
        ("on someday", "someday"),
        ("on 2999-01-01", "2999-01-01"),
        ("in 30", "30"),
        ("in 0m", "0m"),
        ("in a while", "a while"),
        ("every fortnight at 9", "fortnight"),
        ("every", "every"),
    ],
)
def test_errors_quote_the_problem_and_give_an_example(text: str, quoted: str) -> None:
    with pytest.raises(WhenParseError) as err:
        parse_when(text, NOW, BERLIN)
    msg = err.value.message
    assert f'"{quoted}' in msg
    assert 'Try "' in msg or 'like "' in msg
    assert str(err.value) == msg


def test_past_and_missing_time_messages() -> None:
    with pytest.raises(WhenParseError, match="already passed"):
        parse_when("on 2020-01-01 at 09:00", NOW, BERLIN)
    with pytest.raises(WhenParseError, match='Please add one, like "every mon,thu at 20:00"'):
        parse_when("every mon,thu", NOW, BERLIN)


def test_empty_phrase() -> None:
    with pytest.raises(WhenParseError, match='Try "'):
        parse_when("   ", NOW, BERLIN)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_when("in 10m", datetime(2026, 1, 1), BERLIN)
