"""Turn what a user types ("berlin", "New York", "UTC+2", "india", "Berlin, Germany", "EST") into a stored zone
name, and back.

Stored names are either IANA keys ("Europe/Berlin") or fixed offsets written "UTC+02:00" / "UTC".
User offsets are never stored as POSIX "Etc/GMT-2" names, whose sign is inverted and confuses people.
A country, an abbreviation or a place resolves to the zone a person there uses, so daylight saving time is
followed; where that is not one zone (IST, CST, the United States) the ZoneError lists the choices.
Countries come from the tz database's own iso3166.tab and zone.tab (shipped by the tzdata package).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from importlib import resources
from pathlib import Path

from bot.timing.zone_names import (
    ABBREVIATIONS,
    AMBIGUOUS,
    AMBIGUOUS_MEANING,
    COUNTRY_NAMES,
    MAIN_ZONES,
    WITH_THE,
)

FIXED_OFFSET_WARNING = (
    "Fixed offsets don't follow daylight saving time; use a city like Europe/Berlin to get that right."
)
GMT_WARNING = (
    "I read GMT as UK time (Europe/London): GMT in winter, BST in summer. For GMT all year round, as in Ghana or "
    "Iceland, type /timezone UTC."
)
_EXAMPLES = 'Try a city like "Berlin" or "New York", a zone like "Europe/Berlin", or an offset like "UTC+2".'

# Keys that are not places a person lives in, or that would tie behaviour to the host:
# "localtime" is the host's own zone file when the system tz database is on the search path.
_EXCLUDED_KEYS = frozenset({"localtime", "posixrules", "Factory"})
# Backward-compatibility areas: fine when typed in full, but not offered as the meaning of a city.
_LEGACY_AREAS = ("Etc/", "US/", "Canada/", "Mexico/", "Brazil/", "Chile/", "SystemV/", "posix/", "right/")

# Common short names, plus a choice for the few cities whose name appears under two keys that are
# links to the same zone (so either choice behaves identically, and asking the user would be pointless).
ALIASES: dict[str, str] = {
    "nyc": "America/New_York",
    "ny": "America/New_York",
    "la": "America/Los_Angeles",
    "sf": "America/Los_Angeles",
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "washington": "America/New_York",
    "dc": "America/New_York",
    "boston": "America/New_York",
    "uk": "Europe/London",
    "london": "Europe/London",
    "munich": "Europe/Berlin",
    "mumbai": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "beijing": "Asia/Shanghai",
    "buenos aires": "America/Argentina/Buenos_Aires",
    "catamarca": "America/Argentina/Catamarca",
    "cordoba": "America/Argentina/Cordoba",
    "jujuy": "America/Argentina/Jujuy",
    "mendoza": "America/Argentina/Mendoza",
    "indianapolis": "America/Indiana/Indianapolis",
    "louisville": "America/Kentucky/Louisville",
    "istanbul": "Europe/Istanbul",
    "nicosia": "Asia/Nicosia",
}

_OFFSET = re.compile(
    r"(?:(?P<base>utc|gmt|z)\s*)?(?:(?P<sign>[+-])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2})|[.,](?P<f>\d{1,2}))?)?", re.I
)
_POSIX_ETC = re.compile(r"etc/gmt[+-]\d+", re.I)
_MIN_OFFSET = timedelta(hours=-12)
_MAX_OFFSET = timedelta(hours=14)


MAX_CHOICES = 12  # zones offered as buttons at most (Discord shows 5 rows; three to a row)


@dataclass(frozen=True, slots=True)
class ZoneChoice:
    name: str  # canonical stored name: an IANA key, or "UTC+02:00" / "UTC-05:30" / "UTC"
    warning: str | None  # something the user should know about the choice, shown once


class ZoneError(ValueError):
    """A zone that could not be resolved; the message is friendly and suggests alternatives.

    `suggestions` are stored names to offer (as buttons); `labels`, when given, name each one for a button.
    """

    def __init__(self, message: str, suggestions: tuple[str, ...] = (), labels: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.suggestions = suggestions
        self.labels = labels if len(labels) == len(suggestions) else tuple(_city(s) for s in suggestions)


def _norm(text: str) -> str:
    # "New York", "new_york" and "new-york" all mean the same; compare in one spelling.
    return " ".join(re.split(r"[\s_]+", text.strip().lower()))


def _fold(text: str) -> str:
    """A name compared without accents, '&' or curly quotes: "Côte d’Ivoire" -> "cote d'ivoire"."""
    plain = unicodedata.normalize("NFKD", text.replace("’", "'")).encode("ascii", "ignore").decode()
    return _norm(plain.replace("&", " and "))


def _city(key: str) -> str:
    """ "America/Argentina/Buenos_Aires" -> "Buenos Aires"; offsets stay as they are."""
    return key.rsplit("/", 1)[-1].replace("_", " ")


@lru_cache(maxsize=1)
def _keys() -> dict[str, str]:
    """Lower-cased key (with spaces for underscores) -> IANA key as spelled in the database."""
    return {_norm(k): k for k in zoneinfo.available_timezones() if k not in _EXCLUDED_KEYS}


@lru_cache(maxsize=1)
def _key_set() -> frozenset[str]:
    return frozenset(_keys().values())


@lru_cache(maxsize=1)
def _cities() -> dict[str, tuple[str, ...]]:
    """City (last key component, normalised) -> the non-legacy keys ending in it."""
    found: dict[str, list[str]] = {}
    for key in _keys().values():
        if "/" in key and not key.startswith(_LEGACY_AREAS):
            found.setdefault(_norm(key.rsplit("/", 1)[1]), []).append(key)
    return {city: tuple(sorted(keys)) for city, keys in found.items()}


def format_offset(offset: timedelta) -> str:
    """timedelta(hours=2) -> "UTC+02:00"; zero -> "UTC"."""
    if not offset:
        return "UTC"
    sign = "+" if offset > timedelta(0) else "-"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def short_offset(offset: timedelta) -> str:
    """For a button: timedelta(hours=-5) -> "UTC-5", timedelta(hours=5, minutes=30) -> "UTC+5:30"."""
    if not offset:
        return "UTC"
    sign = "+" if offset > timedelta(0) else "-"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


def _resolve_offset(text: str, m: re.Match[str]) -> ZoneChoice:
    base = (m["base"] or "").lower()
    if m["sign"] is None:
        # Bare "UTC"/"Z" is UTC. Bare "GMT" is how the UK names its winter time: a person typing it most likely
        # lives there, so it is UK time (with BST in summer), and the note says how to get GMT all year.
        return ZoneChoice("Europe/London", GMT_WARNING) if base == "gmt" else ZoneChoice("UTC", None)
    hours, minutes = int(m["h"]), int(m["m"] or 0)
    if m["f"]:  # a decimal fraction of an hour: "5.5" is 5:30, "5.75" is 5:45
        scaled = int(m["f"]) * 60
        minutes = scaled // 10 ** len(m["f"]) if scaled % 10 ** len(m["f"]) == 0 else 1  # 1: not whole minutes
    offset = timedelta(hours=hours, minutes=minutes) * (-1 if m["sign"] == "-" else 1)
    if minutes % 15 or minutes >= 60 or not _MIN_OFFSET <= offset <= _MAX_OFFSET:
        raise ZoneError(
            f'"{text}" isn\'t a real UTC offset: they run from UTC-12:00 to UTC+14:00 in steps of 15 '
            f"minutes. {_EXAMPLES}"
        )
    if not offset:
        return ZoneChoice("UTC", None)
    return ZoneChoice(format_offset(offset), FIXED_OFFSET_WARNING)


# The tz database's own tables: countries (iso3166.tab), each country's zones (zone.tab), and one zone for
# each distinct present-day timekeeping (zonenow.tab). From the tzdata package; the system's files otherwise.
def _read_table(name: str) -> list[list[str]]:
    text: str | None = None
    try:
        text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    except (ImportError, OSError):
        for base in zoneinfo.TZPATH:
            try:
                text = Path(base, name).read_text(encoding="utf-8")
                break
            except OSError:
                continue
    if text is None:
        return []
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def _country_titles() -> dict[str, str]:
    """ISO code -> the country's name as iso3166.tab spells it ("DE" -> "Germany")."""
    return {row[0]: row[1] for row in _read_table("iso3166.tab") if len(row) >= 2}


@lru_cache(maxsize=1)
def _country_codes() -> dict[str, str]:
    """Every name a country goes by, folded -> its ISO code: "germany", "britain", "uk", "korea south", ..."""
    found: dict[str, str] = {}
    for code, title in _country_titles().items():
        folded = _fold(title)
        names = {folded, folded.replace("st ", "saint ")}
        if "(" in title:  # "Britain (UK)", "Korea (South)", "Myanmar (Burma)", "Samoa (American)"
            outer, inner = _fold(title.split("(", 1)[0]), _fold(title.split("(", 1)[1].rstrip(")"))
            names |= {outer, inner, f"{inner} {outer}", f"{outer} {inner}"}
        for name in names:
            found.setdefault(name, code)
    for name, code in COUNTRY_NAMES.items():
        found[_fold(name)] = code
    for shared in ("korea", "samoa", "congo", "virgin islands", "guinea"):  # several countries: not a guess
        if found.get(shared) and shared not in COUNTRY_NAMES:
            del found[shared]
    return found


@lru_cache(maxsize=1)
def _country_zones() -> dict[str, tuple[tuple[str, str], ...]]:
    """ISO code -> its zones in zone.tab's order, each with zone.tab's comment ("most of Germany")."""
    known = _key_set()
    found: dict[str, list[tuple[str, str]]] = {}
    for row in _read_table("zone.tab"):
        if len(row) >= 3 and row[2] in known:
            found.setdefault(row[0], []).append((row[2], row[3] if len(row) > 3 else ""))
    return {code: tuple(zones) for code, zones in found.items()}


@dataclass(frozen=True, slots=True)
class _Group:
    """Zones of one country that keep the same time all through the coming year."""

    zone: str  # the one that stands for them
    members: tuple[str, ...]
    comment: str


def _signature(key: str, day: date) -> tuple[timedelta | None, ...]:
    tz = zoneinfo.ZoneInfo(key)
    start = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return tuple((start + timedelta(days=i)).astimezone(tz).utcoffset() for i in range(0, 366, 2))


@lru_cache(maxsize=64)
def _groups(code: str, day: date) -> tuple[_Group, ...]:
    """The country's distinct timekeepings from `day` on, most people's first (MAIN_ZONES), then zone.tab's order."""
    zones = _country_zones().get(code, ())
    buckets: dict[tuple[timedelta | None, ...], list[tuple[str, str]]] = {}
    for zone, comment in zones:
        buckets.setdefault(_signature(zone, day), []).append((zone, comment))
    groups: list[_Group] = []
    for members in buckets.values():
        names = [zone for zone, _ in members]
        mains = [zone for zone in MAIN_ZONES if zone in names]
        lived = [zone for zone in names if not zone.startswith("Antarctica/")]
        zone = mains[0] if mains else (lived or names)[0]
        groups.append(_Group(zone, tuple(names), dict(members)[zone]))
    rank = {zone: i for i, zone in enumerate(MAIN_ZONES)}
    order = {zone: i for i, (zone, _) in enumerate(zones)}
    groups.sort(key=lambda g: (rank.get(g.zone, len(rank)), order[g.zone]))
    return tuple(groups)


def _today(now: datetime | None) -> date:
    return (now or datetime.now(UTC)).astimezone(UTC).date()


def _country_title(code: str) -> str:
    title = _country_titles().get(code, code)
    return f"the {title}" if code in WITH_THE else title


def _offset_now(zone: str, now: datetime | None) -> timedelta:
    offset = (now or datetime.now(UTC)).astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()
    return offset if offset is not None else timedelta(0)


def _which_of_country(code: str, now: datetime | None, lead: str) -> ZoneError:
    groups = _groups(code, _today(now))[:MAX_CHOICES]
    example = _city(groups[1].zone if len(groups) > 1 else groups[0].zone)
    listed = "\n".join(
        f"• {g.zone}{f': {g.comment}' if g.comment else ''}, now {format_offset(_offset_now(g.zone, now))}"
        for g in groups
    )
    return ZoneError(
        f"{lead} Which one is yours? Press it below, or type /timezone and your city, e.g. /timezone {example}.\n"
        f"{listed}",
        tuple(g.zone for g in groups),
        tuple(f"{_city(g.zone)} ({short_offset(_offset_now(g.zone, now))})" for g in groups),
    )


def _resolve_country(code: str, now: datetime | None) -> ZoneChoice:
    groups = _groups(code, _today(now))
    if len(groups) == 1:
        return ZoneChoice(groups[0].zone, None)
    title = _country_title(code)
    raise _which_of_country(code, now, f"{title[0].upper()}{title[1:]} has {len(groups)} time zones.")


def _known_city(query: str) -> str | None:
    """The one zone a city name (or an alias like "munich") means, if it means one."""
    if query in ALIASES:
        return ALIASES[query]
    candidates = _cities().get(query, ())
    return candidates[0] if len(candidates) == 1 else None


def _resolve_place(city: str, code: str, now: datetime | None) -> ZoneChoice:
    """ "Berlin, Germany", "Munich, Germany", "Austin, USA": the city's zone if it is in that country, else the
    country's one zone, else the person picks which of the country's zones the city is in."""
    query = _norm(city)
    groups = _groups(code, _today(now))
    for zone, _ in _country_zones().get(code, ()):
        if _norm(_city(zone)) == query:
            return ZoneChoice(zone, None)
    known = _known_city(query)
    if known is not None and any(known in g.members or known == g.zone for g in groups):
        return ZoneChoice(known, None)
    if known is not None:  # a city of that name, elsewhere: the same time as one of the country's zones?
        for group in groups:
            if _signature(known, _today(now)) == _signature(group.zone, _today(now)):
                return ZoneChoice(group.zone, None)
    if len(groups) == 1:
        return ZoneChoice(groups[0].zone, None)
    raise _which_of_country(code, now, f'I don\'t know which time zone of {_country_title(code)} "{city}" is in.')


def _split_place(typed: str) -> tuple[str, str] | None:
    """ "Berlin, Germany" / "Berlin Germany" / "Germany, Berlin" -> ("Berlin", ISO code), if a country is named."""
    codes = _country_codes()
    if "," in typed:
        first, _, last = (part.strip() for part in typed.rpartition(","))
        if _fold(last) in codes and first:
            return first, codes[_fold(last)]
        if _fold(first) in codes and last:
            return last, codes[_fold(first)]
        return None
    words = typed.split()
    for n in (3, 2, 1):
        if len(words) > n and _fold(" ".join(words[-n:])) in codes:
            return " ".join(words[:-n]), codes[_fold(" ".join(words[-n:]))]
    return None


def _has_dst(zone: str, now: datetime | None) -> bool:
    return len(set(_signature(zone, _today(now)))) > 1


def _resolve_abbreviation(typed: str, query: str, now: datetime | None) -> ZoneChoice:
    known = ABBREVIATIONS[query]
    shown = typed.upper() if len(typed) <= 5 else f'"{typed}"'
    switch = ", which changes for daylight saving time by itself" if _has_dst(known.zone, now) else ""
    note = f"I read {shown} as {known.meaning}: {known.zone}{switch}."
    return ZoneChoice(known.zone, f"{note} {known.elsewhere}".strip())


def _ask_ambiguous(query: str) -> ZoneError:
    options = AMBIGUOUS[query]
    meaning = AMBIGUOUS_MEANING.get(query, query)
    listed = "; ".join(f"{label} – {zone}" for zone, label in options)
    return ZoneError(
        f"{meaning} can mean several places: {listed}. Which one is yours? Press it below, or type "
        f"/timezone and your city.",
        tuple(zone for zone, _ in options),
        tuple(label for _, label in options),
    )


_TIME_WORDS = re.compile(r"\s+(?:standard\s+|daylight\s+)?(?:time(?:\s*zone)?|timezone|tz)$")


def _suggest(query: str, now: datetime | None) -> tuple[str, ...]:
    keys = _keys()
    cities = _cities()
    countries = _country_codes()
    picks: list[str] = []
    pool = [*cities, *ALIASES, *countries, *keys]
    for match in difflib.get_close_matches(query, pool, n=10, cutoff=0.6):
        if match in ALIASES:
            found: tuple[str, ...] = (ALIASES[match],)
        elif match in cities:
            found = cities[match]
        elif match in countries:
            found = tuple(g.zone for g in _groups(countries[match], _today(now))[:3])
        else:
            found = (keys[match],)
        for key in found:
            if key not in picks:
                picks.append(key)
    return tuple(picks[:5])


def resolve_zone(text: str, now: datetime | None = None) -> ZoneChoice:
    """What a user typed -> the zone to store. Raises ZoneError with suggestions when unsure (or when the person
    must pick, as for "IST" or "USA"). `now` (the bot's clock) decides which zones keep the same time today."""
    raw = " ".join(text.split())
    if not raw:
        raise ZoneError(f"Which time zone? {_EXAMPLES}")
    if (m := _OFFSET.fullmatch(raw)) and (m["base"] or m["sign"]):
        return _resolve_offset(raw, m)
    query = _norm(raw)
    if (bare := _TIME_WORDS.sub("", query)) and bare != query and bare not in _keys():
        return resolve_zone(bare, now)  # "india time", "eastern time", "uk timezone"
    key = _keys().get(query)
    if key is not None and "/" in key:
        if _POSIX_ETC.fullmatch(key):
            # Etc/GMT+2 is UTC-02:00; say so rather than let the user believe the opposite.
            offset = zoneinfo.ZoneInfo(key).utcoffset(None)
            assert offset is not None
            return ZoneChoice(key, f"Note: {key} means {format_offset(offset)} (POSIX zone names flip the sign).")
        return ZoneChoice(key, None)
    if query in AMBIGUOUS:
        raise _ask_ambiguous(query)
    if query in ABBREVIATIONS:
        return _resolve_abbreviation(raw, query, now)
    if query in ALIASES:
        return ZoneChoice(ALIASES[query], None)
    if (code := _country_codes().get(_fold(query))) is not None and code in _country_zones():
        return _resolve_country(code, now)
    if key is not None:  # an old top-level name such as "Japan" or "EST5EDT", typed in full
        return ZoneChoice(key, None)
    candidates = _cities().get(query, ())
    if not candidates and "/" in query:
        # A key without its area, like "indiana/indianapolis" or "argentina/cordoba".
        candidates = tuple(key for norm, key in _keys().items() if norm.endswith("/" + query))
    if len(candidates) == 1:
        return ZoneChoice(candidates[0], None)
    if candidates:
        listed = ", ".join(candidates[:5])
        raise ZoneError(
            f'"{raw}" matches several zones: {listed}. Please type the full name, e.g. "{candidates[0]}".',
            candidates[:5],
        )
    if (place := _split_place(raw)) is not None and place[1] in _country_zones():
        return _resolve_place(*place, now)
    if "," in query:  # "Paris, Texas": the part after the comma is no country; offer the city, never guess
        known = _known_city(query.split(",", 1)[0].strip())
        if known is not None:
            raise ZoneError(
                f'I don\'t know the place "{raw.split(",", 1)[1].strip()}", so I didn\'t guess. '
                f"Did you mean {known}? {_EXAMPLES}",
                (known,),
            )
    suggestions = _suggest(query, now)
    hint = ""
    if suggestions:
        listed = suggestions[0] if len(suggestions) == 1 else f"{', '.join(suggestions[:-1])} or {suggestions[-1]}"
        hint = f" Did you mean {listed}?"
    raise ZoneError(f'I don\'t know the time zone "{raw}".{hint} {_EXAMPLES}', suggestions)


def country_names() -> tuple[str, ...]:
    """Every country the tz database knows, as it spells them ("Germany", "United States"), sorted."""
    return tuple(sorted(_country_titles().values()))


@lru_cache(maxsize=1)
def _present_zones() -> tuple[tuple[str, str], ...]:
    """zonenow.tab: one zone for each distinct timekeeping in use today, with where it is kept."""
    known = _key_set()
    return tuple((row[2], row[3] if len(row) > 3 else "") for row in _read_table("zonenow.tab") if row[2] in known)


def zones_at_offset(offset: timedelta, now: datetime) -> tuple[tuple[str, str], ...]:
    """The places whose clocks show `offset` at `now`, as (zone, where) pairs: what a person who typed "UTC+5:30"
    probably lives by (Asia/Kolkata: "India (IST)"), so they can follow its rules, daylight saving included."""
    return tuple((zone, where) for zone, where in _present_zones() if _offset_now(zone, now) == offset)


_STORED_OFFSET = re.compile(r"UTC(?P<sign>[+-])(?P<h>\d{2}):(?P<m>\d{2})")


@lru_cache(maxsize=512)
def zone_from_name(name: str) -> tzinfo:
    """A stored name (from resolve_zone) back to a tzinfo. Raises ZoneError for unknown names."""
    if name == "UTC":
        return UTC
    if m := _STORED_OFFSET.fullmatch(name):
        offset = timedelta(hours=int(m["h"]), minutes=int(m["m"])) * (-1 if m["sign"] == "-" else 1)
        if _MIN_OFFSET <= offset <= _MAX_OFFSET:
            return timezone(offset, name)
    elif name in _key_set():
        return zoneinfo.ZoneInfo(name)
    raise ZoneError(f'Unknown stored time zone "{name}". {_EXAMPLES}')
