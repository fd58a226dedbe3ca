from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.timing import timezones
from bot.timing.timezones import FIXED_OFFSET_WARNING, ZoneChoice, ZoneError, resolve_zone, zone_from_name

SUMMER = datetime(2026, 7, 1, 12, tzinfo=UTC)
WINTER = datetime(2026, 1, 15, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("  EUROPE/BERLIN ", "Europe/Berlin"),
        ("berlin", "Europe/Berlin"),
        ("Berlin", "Europe/Berlin"),
        ("New York", "America/New_York"),
        ("new_york", "America/New_York"),
        ("new  york", "America/New_York"),
        ("america/new york", "America/New_York"),
        ("nyc", "America/New_York"),
        ("la", "America/Los_Angeles"),
        ("london", "Europe/London"),
        ("Kolkata", "Asia/Kolkata"),
        ("port of spain", "America/Port_of_Spain"),
        ("istanbul", "Europe/Istanbul"),  # a city under two linked keys: a fixed choice
        ("Asia/Istanbul", "Asia/Istanbul"),  # but a full key is kept as typed
        ("indiana/indianapolis", "America/Indiana/Indianapolis"),
    ],
)
def test_named_zones(text: str, name: str) -> None:
    assert resolve_zone(text) == ZoneChoice(name, None)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("UTC+2", "UTC+02:00"),
        ("utc+2", "UTC+02:00"),
        ("+05:30", "UTC+05:30"),
        ("+0530", "UTC+05:30"),
        ("utc-3", "UTC-03:00"),
        ("UTC -3", "UTC-03:00"),
        ("GMT+1", "UTC+01:00"),
        ("-12", "UTC-12:00"),
        ("+14:00", "UTC+14:00"),
        ("UTC+5:45", "UTC+05:45"),
    ],
)
def test_fixed_offsets(text: str, name: str) -> None:
    choice = resolve_zone(text)
    assert choice == ZoneChoice(name, FIXED_OFFSET_WARNING)


@pytest.mark.parametrize("text", ["UTC", "utc", "z", "UTC+0", "+00:00", "Etc/UTC"])
def test_utc_is_plain_and_needs_no_warning(text: str) -> None:
    choice = resolve_zone(text)
    assert choice.warning is None
    assert choice.name in {"UTC", "Etc/UTC"}


def test_gmt_means_utc_with_a_hint_about_uk_time() -> None:
    choice = resolve_zone("GMT")
    assert choice.name == "UTC"
    assert choice.warning is not None and "Europe/London" in choice.warning


def test_user_offset_sign_is_not_posix_inverted() -> None:
    tz = zone_from_name(resolve_zone("UTC+2").name)
    assert tz.utcoffset(SUMMER) == timedelta(hours=2)
    assert zone_from_name(resolve_zone("utc-3").name).utcoffset(SUMMER) == timedelta(hours=-3)


def test_typed_posix_zone_is_explained() -> None:
    choice = resolve_zone("Etc/GMT+2")
    assert choice.name == "Etc/GMT+2"
    assert choice.warning is not None and "UTC-02:00" in choice.warning


@pytest.mark.parametrize("text", ["UTC+15", "-13", "+05:20", "UTC+2:60", "+99"])
def test_offsets_out_of_range(text: str) -> None:
    with pytest.raises(ZoneError) as err:
        resolve_zone(text)
    assert f'"{text}"' in err.value.message
    assert '"UTC+2"' in err.value.message


@pytest.mark.parametrize(("text", "suggestion"), [("berlni", "Europe/Berlin"), ("Amsterdm", "Europe/Amsterdam"),
                                                   ("newyork", "America/New_York")])
def test_typos_get_suggestions(text: str, suggestion: str) -> None:
    with pytest.raises(ZoneError) as err:
        resolve_zone(text)
    assert f'"{text}"' in err.value.message
    assert f"Did you mean {suggestion}" in err.value.message
    assert suggestion in err.value.suggestions
    assert 1 <= len(err.value.suggestions) <= 5


@pytest.mark.parametrize("text", ["", "   ", "qqqqqq", "Mars/Olympus", "localtime", "posixrules"])
def test_unknown_zone(text: str) -> None:
    with pytest.raises(ZoneError) as err:
        resolve_zone(text)
    assert '"Berlin"' in err.value.message  # always shows what works
    if text.strip():
        assert f'"{text}"' in err.value.message


def test_ambiguous_city_lists_the_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    # The current tz database has no ambiguous city that is not covered by ALIASES, so fake one.
    fake = {"springfield": ("America/Chicago", "America/New_York")}
    monkeypatch.setattr(timezones, "_cities", lambda: fake)
    with pytest.raises(ZoneError) as err:
        resolve_zone("Springfield")
    assert err.value.suggestions == ("America/Chicago", "America/New_York")
    assert '"Springfield"' in err.value.message
    assert "America/Chicago, America/New_York" in err.value.message


def test_every_city_resolves_or_is_reported_as_ambiguous() -> None:
    # Guards ALIASES against tz database updates that introduce new duplicate city names.
    for city, keys in timezones._cities().items():
        if len(keys) > 1:
            assert city in timezones.ALIASES, keys
        choice = resolve_zone(city)
        assert zone_from_name(choice.name) is not None


def test_aliases_point_at_real_zones() -> None:
    for alias, key in timezones.ALIASES.items():
        assert resolve_zone(alias).name == key
        assert isinstance(zone_from_name(key), ZoneInfo)


# --- zone_from_name --------------------------------------------------------------------------------


def test_zone_from_name_round_trip() -> None:
    berlin = zone_from_name(resolve_zone("berlin").name)
    assert berlin.utcoffset(WINTER) == timedelta(hours=1)
    assert berlin.utcoffset(SUMMER) == timedelta(hours=2)
    fixed = zone_from_name("UTC-05:30")
    assert fixed.utcoffset(SUMMER) == fixed.utcoffset(WINTER) == timedelta(hours=-5, minutes=-30)
    assert zone_from_name("UTC").utcoffset(SUMMER) == timedelta(0)


def test_zone_from_name_is_cached() -> None:
    assert zone_from_name("UTC+02:00") is zone_from_name("UTC+02:00")
    assert zone_from_name("America/New_York") is zone_from_name("America/New_York")
    assert zone_from_name.cache_info().hits >= 2


@pytest.mark.parametrize("name", ["Mars/Olympus", "UTC+15:00", "utc+02:00", "UTC+2", "localtime", "../etc/passwd", ""])
def test_zone_from_name_rejects_unknown_names(name: str) -> None:
    with pytest.raises(ZoneError):
        zone_from_name(name)
