from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.timing import timezones
from bot.timing.timezones import (
    FIXED_OFFSET_WARNING,
    GMT_WARNING,
    ZoneChoice,
    ZoneError,
    resolve_zone,
    zone_from_name,
    zones_at_offset,
)
from bot.timing.zone_names import ABBREVIATIONS

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
        ("UTC+5.5", "UTC+05:30"),  # decimal hours (#17)
        ("utc+5,5", "UTC+05:30"),
        ("+5.75", "UTC+05:45"),
        ("UTC-3.5", "UTC-03:30"),
        ("GMT+9.5", "UTC+09:30"),
        ("UTC+5.0", "UTC+05:00"),
    ],
)
def test_fixed_offsets(text: str, name: str) -> None:
    choice = resolve_zone(text)
    assert choice == ZoneChoice(name, FIXED_OFFSET_WARNING)


@pytest.mark.parametrize("text", ["UTC", "utc", "z", "UTC+0", "+00:00", "Etc/UTC", "UTC+0.0"])
def test_utc_is_plain_and_needs_no_warning(text: str) -> None:
    choice = resolve_zone(text)
    assert choice.warning is None
    assert choice.name in {"UTC", "Etc/UTC"}


def test_gmt_means_uk_time_with_a_hint_about_gmt_all_year() -> None:
    # A person typing GMT most likely lives in the UK: GMT in winter, BST in summer. UTC is one command away.
    choice = resolve_zone("GMT")
    assert choice == ZoneChoice("Europe/London", GMT_WARNING)
    assert "/timezone UTC" in GMT_WARNING
    assert zone_from_name(choice.name).utcoffset(SUMMER) == timedelta(hours=1)


def test_user_offset_sign_is_not_posix_inverted() -> None:
    tz = zone_from_name(resolve_zone("UTC+2").name)
    assert tz.utcoffset(SUMMER) == timedelta(hours=2)
    assert zone_from_name(resolve_zone("utc-3").name).utcoffset(SUMMER) == timedelta(hours=-3)


def test_typed_posix_zone_is_explained() -> None:
    choice = resolve_zone("Etc/GMT+2")
    assert choice.name == "Etc/GMT+2"
    assert choice.warning is not None and "UTC-02:00" in choice.warning


@pytest.mark.parametrize("text", ["UTC+15", "-13", "+05:20", "UTC+2:60", "+99", "UTC+5.3", "UTC+5.33", "+14.5"])
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


# --- countries, places, abbreviations (#17) ------------------------------------------------------
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("india", "Asia/Kolkata"),  # not Indian/Mahe
        ("India", "Asia/Kolkata"),
        ("germany", "Europe/Berlin"),  # not Europe/Guernsey or Asia/Tehran; Busingen keeps the same time
        ("Deutschland", "Europe/Berlin"),
        ("japan", "Asia/Tokyo"),  # the country, not the old top-level link "Japan"
        ("France", "Europe/Paris"),
        ("united kingdom", "Europe/London"),
        ("Britain", "Europe/London"),
        ("uk", "Europe/London"),
        ("south korea", "Asia/Seoul"),
        ("Argentina", "America/Argentina/Buenos_Aires"),  # many zones, all one time today
        ("Côte d’Ivoire", "Africa/Abidjan"),
        ("ivory coast", "Africa/Abidjan"),
        ("Trinidad & Tobago", "America/Port_of_Spain"),
        ("trinidad and tobago", "America/Port_of_Spain"),
        ("india time", "Asia/Kolkata"),
        ("Israel", "Asia/Jerusalem"),
    ],
)
def test_countries_with_one_time_resolve_to_their_zone(text: str, name: str) -> None:
    assert resolve_zone(text, NOW) == ZoneChoice(name, None)


@pytest.mark.parametrize(
    ("text", "first", "also"),
    [
        ("usa", "America/New_York", ("America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles")),
        ("United States", "America/New_York", ("Pacific/Honolulu", "America/Anchorage")),
        ("canada", "America/Toronto", ("America/Vancouver", "America/Halifax", "America/St_Johns")),
        ("australia", "Australia/Sydney", ("Australia/Brisbane", "Australia/Perth", "Australia/Adelaide")),
        ("brazil", "America/Sao_Paulo", ("America/Manaus",)),
        ("russia", "Europe/Moscow", ("Asia/Vladivostok", "Europe/Kaliningrad")),
    ],
)
def test_countries_with_several_zones_ask_which(text: str, first: str, also: tuple[str, ...]) -> None:
    with pytest.raises(ZoneError) as err:
        resolve_zone(text, NOW)
    choices = err.value.suggestions
    assert choices[0] == first and set(also) <= set(choices)
    assert 1 < len(choices) <= timezones.MAX_CHOICES
    assert len(err.value.labels) == len(choices)
    assert "time zones. Which one is yours?" in err.value.message
    for zone in choices:  # one zone for each time kept there: no two choices are the same clock all year
        assert zone in err.value.message
    assert len({timezones._signature(zone, NOW.date()) for zone in choices}) == len(choices)


def test_a_country_choice_is_labelled_with_its_city_and_offset() -> None:
    with pytest.raises(ZoneError) as err:
        resolve_zone("usa", NOW)
    labels = dict(zip(err.value.suggestions, err.value.labels, strict=True))
    assert labels["America/New_York"] == "New York (UTC-5)"
    assert labels["America/Los_Angeles"] == "Los Angeles (UTC-8)"
    assert err.value.message.startswith("The United States has ")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Berlin, Germany", "Europe/Berlin"),  # not Australia/Lindeman
        ("berlin germany", "Europe/Berlin"),
        ("Germany, Berlin", "Europe/Berlin"),
        ("Munich, Germany", "Europe/Berlin"),
        ("Hamburg, Germany", "Europe/Berlin"),  # not a zone's city, but Germany keeps one time
        ("Sydney, Australia", "Australia/Sydney"),
        ("Perth, Australia", "Australia/Perth"),
        ("Mumbai, India", "Asia/Kolkata"),
        ("Seattle, USA", "America/Los_Angeles"),
        ("Toronto, Canada", "America/Toronto"),
        ("New York, United States", "America/New_York"),
    ],
)
def test_city_and_country(text: str, name: str) -> None:
    assert resolve_zone(text, NOW) == ZoneChoice(name, None)


def test_an_unknown_city_in_a_country_with_several_zones_asks() -> None:
    with pytest.raises(ZoneError) as err:
        resolve_zone("Austin, USA", NOW)
    assert err.value.message.startswith('I don\'t know which time zone of the United States "Austin" is in.')
    assert "America/Chicago" in err.value.suggestions


def test_a_city_with_something_that_is_no_country_is_not_guessed() -> None:
    with pytest.raises(ZoneError) as err:
        resolve_zone("Paris, Texas", NOW)
    assert 'I don\'t know the place "Texas"' in err.value.message
    assert err.value.suggestions == ("Europe/Paris",)  # offered, not stored


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("EST", "America/New_York"),  # not a fixed UTC-5: New York's clocks change in March
        ("est", "America/New_York"),
        ("EDT", "America/New_York"),
        ("PST", "America/Los_Angeles"),
        ("PDT", "America/Los_Angeles"),
        ("CET", "Europe/Berlin"),
        ("CEST", "Europe/Berlin"),
        ("BST", "Europe/London"),
        ("JST", "Asia/Tokyo"),
        ("AEST", "Australia/Sydney"),
        ("HST", "Pacific/Honolulu"),
        ("eastern time", "America/New_York"),
        ("Pacific Time", "America/Los_Angeles"),
    ],
)
def test_common_abbreviations_mean_the_zone_people_there_use(text: str, name: str) -> None:
    choice = resolve_zone(text, NOW)
    assert choice.name == name
    assert choice.warning is not None and f"as {ABBREVIATIONS[timezones._norm(text).split()[0]].meaning}" in (
        choice.warning
    )
    assert name in choice.warning
    tz = zone_from_name(choice.name)
    if tz.utcoffset(SUMMER) != tz.utcoffset(WINTER):
        assert "daylight saving" in choice.warning


def test_est_follows_new_york_into_summer_time() -> None:
    choice = resolve_zone("EST", NOW)
    assert zone_from_name(choice.name).utcoffset(SUMMER) == timedelta(hours=-4)
    assert choice.warning is not None and "Jamaica" in choice.warning  # EST all year has a way too


@pytest.mark.parametrize(
    ("text", "choices"),
    [
        ("IST", ("Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin")),
        ("ist", ("Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin")),
        ("CST", ("America/Chicago", "Asia/Shanghai", "America/Havana")),
        ("MST", ("America/Denver", "America/Phoenix")),
        ("georgia", ("Asia/Tbilisi", "America/New_York")),
    ],
)
def test_ambiguous_abbreviations_ask(text: str, choices: tuple[str, ...]) -> None:
    with pytest.raises(ZoneError) as err:
        resolve_zone(text, NOW)
    assert err.value.suggestions[: len(choices)] == choices
    assert "Which one is yours?" in err.value.message
    assert all(err.value.labels)


def test_typos_of_a_country_suggest_its_zone() -> None:
    with pytest.raises(ZoneError) as err:
        resolve_zone("germny", NOW)
    assert err.value.suggestions[0] == "Europe/Berlin"


def test_zones_at_an_offset_name_the_places_there() -> None:
    india = dict(zones_at_offset(timedelta(hours=5, minutes=30), NOW))
    assert "Asia/Kolkata" in india and "India" in india["Asia/Kolkata"]
    assert [zone for zone, _ in zones_at_offset(timedelta(hours=5, minutes=45), NOW)] == ["Asia/Kathmandu"]
    assert zones_at_offset(timedelta(hours=13, minutes=15), NOW) == ()


def test_the_tables_come_from_the_tzdata_package(monkeypatch: pytest.MonkeyPatch) -> None:
    # Not /usr/share/zoneinfo: the package is a dependency, the system files may be absent.
    monkeypatch.setattr(zoneinfo, "TZPATH", ())
    assert timezones._read_table("zone.tab") and timezones._read_table("iso3166.tab")
    assert timezones._read_table("zonenow.tab")
    assert timezones._country_titles()["DE"] == "Germany"
