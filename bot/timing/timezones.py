"""Turn what a user types ("berlin", "New York", "UTC+2") into a stored zone name, and back.

Stored names are either IANA keys ("Europe/Berlin") or fixed offsets written "UTC+02:00" / "UTC".
User offsets are never stored as POSIX "Etc/GMT-2" names, whose sign is inverted and confuses people.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, timedelta, timezone, tzinfo
from functools import lru_cache

FIXED_OFFSET_WARNING = (
    "Fixed offsets don't follow daylight saving time; use a city like Europe/Berlin to get that right."
)
GMT_WARNING = "GMT doesn't switch to British Summer Time; use Europe/London for UK time."
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
    r"(?:(?P<base>utc|gmt|z)\s*)?(?:(?P<sign>[+-])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?)?", re.I
)
_POSIX_ETC = re.compile(r"etc/gmt[+-]\d+", re.I)
_MIN_OFFSET = timedelta(hours=-12)
_MAX_OFFSET = timedelta(hours=14)


@dataclass(frozen=True, slots=True)
class ZoneChoice:
    name: str  # canonical stored name: an IANA key, or "UTC+02:00" / "UTC-05:30" / "UTC"
    warning: str | None  # something the user should know about the choice, shown once


class ZoneError(ValueError):
    """A zone that could not be resolved; the message is friendly and suggests alternatives."""

    def __init__(self, message: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.suggestions = suggestions


def _norm(text: str) -> str:
    # "New York", "new_york" and "new-york" all mean the same; compare in one spelling.
    return " ".join(re.split(r"[\s_]+", text.strip().lower()))


@lru_cache(maxsize=1)
def _keys() -> dict[str, str]:
    """Lower-cased key (with spaces for underscores) -> IANA key as spelled in the database."""
    return {
        _norm(k): k for k in zoneinfo.available_timezones() if k not in _EXCLUDED_KEYS
    }


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


def _resolve_offset(text: str, m: re.Match[str]) -> ZoneChoice:
    base = (m["base"] or "").lower()
    if m["sign"] is None:
        # Bare "UTC"/"GMT"/"Z". GMT gets a hint: people in the UK often type it meaning local time.
        return ZoneChoice("UTC", GMT_WARNING if base == "gmt" else None)
    hours, minutes = int(m["h"]), int(m["m"] or 0)
    offset = timedelta(hours=hours, minutes=minutes) * (-1 if m["sign"] == "-" else 1)
    if minutes % 15 or minutes >= 60 or not _MIN_OFFSET <= offset <= _MAX_OFFSET:
        raise ZoneError(
            f'"{text}" isn\'t a real UTC offset: they run from UTC-12:00 to UTC+14:00 in steps of 15 '
            f"minutes. {_EXAMPLES}"
        )
    if not offset:
        return ZoneChoice("UTC", None)
    return ZoneChoice(format_offset(offset), FIXED_OFFSET_WARNING)


def _suggest(query: str) -> tuple[str, ...]:
    keys = _keys()
    cities = _cities()
    picks: list[str] = []
    for match in difflib.get_close_matches(query, [*cities, *ALIASES, *keys], n=10, cutoff=0.6):
        for key in (ALIASES[match],) if match in ALIASES else cities.get(match) or (keys[match],):
            if key not in picks:
                picks.append(key)
    return tuple(picks[:5])


def resolve_zone(text: str) -> ZoneChoice:
    """What a user typed -> the zone to store. Raises ZoneError with suggestions when unsure."""
    raw = " ".join(text.split())
    if not raw:
        raise ZoneError(f"Which time zone? {_EXAMPLES}")
    if (m := _OFFSET.fullmatch(raw)) and (m["base"] or m["sign"]):
        return _resolve_offset(raw, m)
    query = _norm(raw)
    key = _keys().get(query)
    if key is not None:
        if _POSIX_ETC.fullmatch(key):
            # Etc/GMT+2 is UTC-02:00; say so rather than let the user believe the opposite.
            offset = zoneinfo.ZoneInfo(key).utcoffset(None)
            assert offset is not None
            return ZoneChoice(
                key, f'Note: {key} means {format_offset(offset)} (POSIX zone names flip the sign).'
            )
        return ZoneChoice(key, None)
    if query in ALIASES:
        return ZoneChoice(ALIASES[query], None)
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
    suggestions = _suggest(query)
    hint = ""
    if suggestions:
        listed = suggestions[0] if len(suggestions) == 1 else f"{', '.join(suggestions[:-1])} or {suggestions[-1]}"
        hint = f" Did you mean {listed}?"
    raise ZoneError(f'I don\'t know the time zone "{raw}".{hint} {_EXAMPLES}', suggestions)


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
