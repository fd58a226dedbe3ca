from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.render import quiet_refused
from bot.timing.quiet import AMBIGUOUS, NO_RANGE, NOT_A_TIME, SAME, QuietHoursError, parse_quiet, quiet_until

BERLIN = ZoneInfo("Europe/Berlin")


def ts(text: str, tz: ZoneInfo = BERLIN) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=tz).timestamp()


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("22:00-07:00", "22:00-07:00"),
        ("10pm - 7am", "22:00-07:00"),
        ("10pm-7am", "22:00-07:00"),
        ("10 PM – 7 AM", "22:00-07:00"),
        ("from 10pm to 7am", "22:00-07:00"),
        ("22 to 7", "22:00-07:00"),
        ("10pm until 7am", "22:00-07:00"),
        ("10pm till 7am", "22:00-07:00"),
        ("between 23:30 and 6:15", "23:30-06:15"),
        ("13:00 to 15:30", "13:00-15:30"),
        ("0-7", "00:00-07:00"),
        ("midnight to 7am", "00:00-07:00"),
        ("20:00-10:00", "20:00-10:00"),  # long, but said in full: kept
        ("10-12", "10:00-12:00"),  # bare, but only two hours
    ],
)
def test_parse_forms(text: str, window: str) -> None:
    assert parse_quiet(text) == window


@pytest.mark.parametrize(
    ("text", "reason", "part", "readings"),
    [
        ("tonight", NO_RANGE, "tonight", ()),
        ("22:00", NO_RANGE, "22:00", ()),
        ("25:00-07:00", NOT_A_TIME, "25:00", ()),
        ("10pm to dawn", NOT_A_TIME, "dawn", ()),
        ("07:00-07:00", SAME, "07:00-07:00", ()),
        ("10 to 7", AMBIGUOUS, "10 to 7", ("10:00-07:00", "22:00-07:00")),
        ("12 to 7", AMBIGUOUS, "12 to 7", ("12:00-07:00", "00:00-07:00")),
    ],
)
def test_refusals_name_the_part_not_understood(text: str, reason: str, part: str, readings: tuple[str, ...]) -> None:
    with pytest.raises(QuietHoursError) as caught:
        parse_quiet(text)
    assert (caught.value.reason, caught.value.part, caught.value.readings) == (reason, part, readings)
    said = quiet_refused(caught.value)
    assert f'"{part}"' in said and "/quiet 22:00-07:00" in said and "/quiet off" in said


def test_an_ambiguous_window_says_both_readings_and_how_long_each_is() -> None:
    with pytest.raises(QuietHoursError) as caught:
        parse_quiet("10 to 7")
    assert '"10 to 7" could mean 10:00-07:00 (21 hours) or 22:00-07:00 (9 hours)' in quiet_refused(caught.value)


def test_window_across_midnight() -> None:
    quiet = "22:00-07:00"
    assert quiet_until(ts("2026-11-25T21:59"), quiet, BERLIN) is None
    assert quiet_until(ts("2026-11-25T22:00"), quiet, BERLIN) == ts("2026-11-26T07:00")
    assert quiet_until(ts("2026-11-26T03:00"), quiet, BERLIN) == ts("2026-11-26T07:00")
    assert quiet_until(ts("2026-11-26T07:00"), quiet, BERLIN) is None


def test_window_within_a_day() -> None:
    assert quiet_until(ts("2026-11-25T14:00"), "13:00-15:00", BERLIN) == ts("2026-11-25T15:00")
    assert quiet_until(ts("2026-11-25T23:00"), "13:00-15:00", BERLIN) is None


def test_end_is_local_time_across_dst_changes() -> None:
    # The night of the autumn change (25 Oct 2026, 03:00 CEST -> 02:00 CET): quiet ends at 07:00 CET = 06:00 UTC.
    end = quiet_until(ts("2026-10-24T23:30"), "22:00-07:00", BERLIN)
    assert end == datetime(2026, 10, 25, 6, 0, tzinfo=UTC).timestamp()
    # The spring night (29 Mar 2026): 07:00 CEST = 05:00 UTC.
    end = quiet_until(ts("2026-03-28T23:30"), "22:00-07:00", BERLIN)
    assert end == datetime(2026, 3, 29, 5, 0, tzinfo=UTC).timestamp()


def test_end_in_the_repeated_hour_never_lies_in_the_past() -> None:
    # New York, 1 Nov 2026: 01:00-02:00 happens twice. At 01:10 EST (the second pass) quiet hours
    # 23:00-01:30 end at 01:30 EST, not at the 01:30 EDT that has already gone by.
    new_york = ZoneInfo("America/New_York")
    second_pass = datetime(2026, 11, 1, 6, 10, tzinfo=UTC).timestamp()  # 01:10 EST
    end = quiet_until(second_pass, "23:00-01:30", new_york)
    assert end == datetime(2026, 11, 1, 6, 30, tzinfo=UTC).timestamp()
    first_pass = datetime(2026, 11, 1, 5, 10, tzinfo=UTC).timestamp()  # 01:10 EDT
    assert quiet_until(first_pass, "23:00-01:30", new_york) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC).timestamp()
