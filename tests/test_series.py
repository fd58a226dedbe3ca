from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.series import (
    SeriesError,
    exfoliation_paused_at,
    first_stage_after,
    new_series,
    next_session_after,
    parse_series,
    parse_shift,
    read_session_time,
    remaining_sessions,
    shifted_session,
    stages,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def test_parse_a_series() -> None:
    plan = parse_series("Chemical Peel 3 every 4 weeks starting 2026-12-10 at 15:00", NOW, BERLIN)
    assert (plan.treatment, plan.sessions, plan.every_weeks) == ("chemical peel", 3, 4)
    assert plan.first_session == datetime(2026, 12, 10, 14, 0, tzinfo=UTC)
    laser = parse_series("laser 2 sessions every 6 weeks starting tomorrow at 9am", NOW, BERLIN)
    assert laser.treatment == "laser resurfacing" and laser.first_session == datetime(2026, 11, 26, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("botox 3 every 4 weeks starting 2026-12-10 at 15:00", "isn't a treatment"),
        ("peel 0 every 4 weeks starting 2026-12-10 at 15:00", "1 to 12 sessions"),
        ("peel 3 every 99 weeks starting 2026-12-10 at 15:00", "1 to 26 weeks"),
        ("peel 3 every 4 weeks starting 2020-01-01 at 15:00", "session time"),
        ("peel soon", "/series chemical peel 3 every 4 weeks"),
        ("peel 3 every 4 weeks starting every day at 9", "a session is one date and time"),
        ("peel 3 every 4 weeks starting someday", 'the session time "someday"'),
    ],
)
def test_parse_errors_explain_with_an_example(text: str, fragment: str) -> None:
    with pytest.raises(SeriesError) as caught:
        parse_series(text, NOW, BERLIN)
    assert fragment in str(caught.value)


def test_stages_and_the_next_one_ahead() -> None:
    session = datetime(2026, 12, 10, 14, tzinfo=UTC).timestamp()
    day_before, hour_before, follow_up = stages(session)
    assert session - day_before == 86400 and session - hour_before == 3600 and follow_up - session == 7200
    assert first_stage_after(session, NOW.timestamp()) == day_before
    assert first_stage_after(session, day_before) == hour_before
    assert first_stage_after(session, session + 10 * 3600) == follow_up  # all past: still ask how it went


def test_next_session_is_dated_from_when_it_happened_at_the_planned_time() -> None:
    plan = parse_series("peel 3 every 4 weeks starting 2026-10-15 at 15:00", datetime(2026, 10, 1, tzinfo=UTC), BERLIN)
    series = new_series(plan)
    happened = datetime(2026, 10, 17, 16, 30, tzinfo=BERLIN).timestamp()  # two days late
    following = datetime.fromtimestamp(next_session_after(happened, series, BERLIN), tz=BERLIN)
    # 4 weeks after 17 Oct, at the planned 15:00 local, across the end of summer time.
    assert following == datetime(2026, 11, 14, 15, 0, tzinfo=BERLIN)


def test_exfoliation_pause_covers_whole_local_days_around_sessions() -> None:
    session = datetime(2026, 12, 10, 15, tzinfo=BERLIN).timestamp()
    previous = datetime(2026, 11, 1, 15, tzinfo=BERLIN).timestamp()
    series = {"session_at": session, "pause_before_days": 3, "pause_after_days": 7, "held_at": [previous]}

    def at(text: str) -> float:
        return datetime.fromisoformat(text).replace(tzinfo=BERLIN).timestamp()

    assert exfoliation_paused_at(at("2026-12-07T00:30"), series, BERLIN)
    assert not exfoliation_paused_at(at("2026-12-06T23:30"), series, BERLIN)
    assert exfoliation_paused_at(at("2026-12-17T23:00"), series, BERLIN)
    assert not exfoliation_paused_at(at("2026-12-18T00:10"), series, BERLIN)
    assert exfoliation_paused_at(at("2026-11-08T20:00"), series, BERLIN)  # a week after the previous session
    assert not exfoliation_paused_at(at("2026-11-09T20:00"), series, BERLIN)
    off = {**series, "pause_before_days": 0, "pause_after_days": 0}
    assert not exfoliation_paused_at(session, off, BERLIN)


@pytest.mark.parametrize(
    ("phrase", "local"),
    [
        ("2027-01-10 09:00", "2027-01-10T09:00"),  # no "at" (#13)
        ("2027-01-10 at 09:00", "2027-01-10T09:00"),
        ("next friday at 10", "2026-11-27T10:00"),
        ("next friday 10am", "2026-11-27T10:00"),
        ("on dec 10 at 3pm", "2026-12-10T15:00"),
        ("dec 10 at 3pm", "2026-12-10T15:00"),
        ("10 dec 15:00", "2026-12-10T15:00"),
        ("on 10.12. at 9:00", "2026-12-10T09:00"),
        ("tomorrow at 9am", "2026-11-26T09:00"),
        ("2027-01-10", "2027-01-10T09:00"),
    ],
)
def test_a_session_time_is_read_with_the_reminders_grammar(phrase: str, local: str) -> None:
    start = read_session_time(phrase, NOW, BERLIN)
    assert start.at == datetime.fromisoformat(local).replace(tzinfo=BERLIN)
    if phrase == "2027-01-10":
        assert start.notes == ("No time given, so I set 09:00.",)  # what was assumed is said, not hidden


def test_a_series_starting_without_at_keeps_what_the_reading_assumed() -> None:
    plan = parse_series("peel 2 every 4 weeks starting next friday at 10", NOW, BERLIN)
    assert plan.first_session == datetime(2026, 11, 27, 10, tzinfo=BERLIN)
    assert any("next friday" in note for note in plan.notes)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("by 1 week", 7),
        ("+1w", 7),
        ("by 3 days", 3),
        ("by a week", 7),
        ("2 weeks later", 14),
        ("-2d", -2),
        ("by 3 days earlier", -3),
        ("move all by 1 week", 7),
        ("1 week", 7),
    ],
)
def test_a_shift_of_the_whole_series(text: str, days: int) -> None:
    assert parse_shift(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["2026-12-17 at 15:00", "in 3 days", "tomorrow", "next friday at 10", "by then"])
def test_a_new_date_is_not_a_shift(text: str) -> None:
    assert parse_shift(text) is None


def test_moving_a_series_by_days_keeps_its_local_time_across_a_clock_change() -> None:
    series = {"session_at": datetime(2026, 10, 20, 15, tzinfo=BERLIN).timestamp(), "done": 1, "total": 3}
    moved = shifted_session(series, timedelta(weeks=1), BERLIN)
    assert moved == datetime(2026, 10, 27, 15, tzinfo=BERLIN)  # CET now, still 15:00 local
    assert moved - datetime.fromtimestamp(series["session_at"], tz=UTC) == timedelta(weeks=1, hours=1)
    assert shifted_session(series, timedelta(hours=2), BERLIN) == datetime(2026, 10, 20, 17, tzinfo=BERLIN)


def test_the_remaining_sessions_follow_the_next_one_at_its_local_time() -> None:
    series = {
        "session_at": datetime(2026, 10, 20, 15, tzinfo=BERLIN).timestamp(),
        "done": 1,
        "total": 4,
        "every_weeks": 4,
    }
    assert remaining_sessions(series, BERLIN) == [
        datetime(2026, 10, 20, 15, tzinfo=BERLIN),
        datetime(2026, 11, 17, 15, tzinfo=BERLIN),
        datetime(2026, 12, 15, 15, tzinfo=BERLIN),
    ]
    assert remaining_sessions({**series, "done": 4}, BERLIN) == []
