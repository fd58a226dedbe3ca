from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.series import (
    SeriesError,
    exfoliation_paused_at,
    first_stage_after,
    new_series,
    next_session_after,
    parse_series,
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
