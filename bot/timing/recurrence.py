"""Reminder schedules and their DST-correct next occurrence.

Recurring schedules are wall-clock times in the user's zone: "every day at 20:00" fires at 20:00 local
on both sides of a daylight-saving change, so its UTC instant moves. Wall times that do not exist or
exist twice on a change day are resolved by one rule (see `local_to_utc`), so each scheduled local day
fires exactly once. Everything here is pure: "now" is passed in, and nothing reads the host's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Literal, cast

Kind = Literal["once", "daily", "weekly", "interval", "monthly"]
KINDS: tuple[Kind, ...] = ("once", "daily", "weekly", "interval", "monthly")
LAST = -1  # monthday / month_week: the month's last day, or its last such weekday

DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = (0, 1, 2, 3, 4)
_ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)

# Candidate days examined per call. Normally 2-3 suffice (yesterday, today, the next match); the slack
# covers zones that once skipped a whole calendar day (e.g. Pacific/Apia, 2011-12-30).
_MAX_STEPS = 12
_WEEK_WORDS = ("first", "second", "third", "fourth")
END_OF_DAY = time(23, 59, 59)  # an end given as a date ("until 2027-03-01") includes that whole day


@dataclass(frozen=True, slots=True)
class Schedule:
    kind: Kind
    at: time | None = None  # local wall-clock time for daily/weekly/interval
    weekdays: tuple[int, ...] = ()  # 0=Mon..6=Sun, sorted, for weekly
    every: int = 1  # every N days (interval) or every N weeks (weekly)
    anchor: date | None = None  # local date the series counts from (interval; weekly with every>1)
    once_utc: datetime | None = None  # for kind == "once": the exact instant, aware UTC
    also_at: tuple[time, ...] = ()  # further times of day after `at` (sorted): "every day at 8:00 and 20:00"
    monthday: int = 0  # monthly: day 1..31 (a month without it fires on its last day) or LAST; 0 with month_week
    month_week: int = 0  # monthly: 1..4 or LAST, with weekdays=(d,): "every first monday of the month"
    ends: datetime | None = None  # naive local wall time: a repeat fires nothing after it ("for 6 weeks", "10 times")

    @property
    def times(self) -> tuple[time, ...]:
        """Every time of day this schedule fires at, in order (empty for a once schedule)."""
        return () if self.at is None else (self.at, *self.also_at)

    def __post_init__(self) -> None:
        # Validate here so a corrupt stored schedule fails loudly on load, not at fire time.
        if self.kind not in KINDS:
            raise ValueError(f"unknown schedule kind {self.kind!r}")
        if isinstance(self.every, bool) or not isinstance(self.every, int) or self.every < 1:
            raise ValueError(f"every must be an int >= 1, got {self.every!r}")
        if self.kind == "once":
            if self.once_utc is None or self.once_utc.utcoffset() is None:
                raise ValueError("a once schedule needs an aware once_utc")
            if self.once_utc.tzinfo is not UTC:
                # Frozen dataclass: normalising the field needs object.__setattr__.
                object.__setattr__(self, "once_utc", self.once_utc.astimezone(UTC))
            return
        if self.at is None:
            raise ValueError(f"a {self.kind} schedule needs a time of day")
        if self.at.tzinfo is not None:
            raise ValueError("at must be a naive wall-clock time; the zone is passed separately")
        if list(self.times) != sorted(set(self.times)) or any(t.tzinfo is not None for t in self.also_at):
            raise ValueError(f"times of day must be naive, unique and sorted, got {self.times!r}")
        if self.ends is not None and self.ends.tzinfo is not None:
            raise ValueError("ends must be a naive local wall time")
        if self.kind == "monthly":
            self._check_monthly()
        elif self.monthday or self.month_week:
            raise ValueError("monthday and month_week belong to monthly schedules")
        if self.kind == "weekly":
            wd = self.weekdays
            if not wd or any(d not in _ALL_DAYS for d in wd) or list(wd) != sorted(set(wd)):
                raise ValueError(f"weekdays must be sorted, unique values in 0..6, got {wd!r}")
            if self.every > 1 and self.anchor is None:
                raise ValueError("a weekly schedule with every > 1 needs an anchor date")
        elif self.kind == "interval" and self.anchor is None:
            raise ValueError("an interval schedule needs an anchor date")

    def _check_monthly(self) -> None:
        if self.month_week:
            if self.month_week not in (1, 2, 3, 4, LAST) or self.monthday or len(self.weekdays) != 1:
                raise ValueError("a monthly weekday schedule needs month_week 1-4 or LAST and exactly one weekday")
            if self.weekdays[0] not in _ALL_DAYS:
                raise ValueError(f"weekday must be in 0..6, got {self.weekdays!r}")
        elif not (1 <= self.monthday <= 31 or self.monthday == LAST) or self.weekdays:
            raise ValueError(f"a monthly schedule needs a day 1..31 or LAST, got {self.monthday!r}")
        if self.every > 1 and self.anchor is None:
            raise ValueError("a monthly schedule with every > 1 needs an anchor date")


def local_to_utc(day: date, at: time, tz: tzinfo) -> datetime:
    """The UTC instant of wall time `at` on local `day` in `tz`.

    Built with fold=0, then normalised through UTC. With zoneinfo that means:
    - a time that exists twice (autumn fall-back) resolves to the first of the two;
    - a time inside a spring-forward gap resolves with the offset in force before the gap, i.e. it is
      pushed forward by the gap length (02:30 in Europe/Berlin on 2026-03-29 -> 03:30 CEST). That is the
      "first instant after the gap" behaviour and keeps the day's reminder instead of dropping it.
    """
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    return naive.replace(tzinfo=tz).astimezone(UTC)


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _month_end(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def monthly_day(s: Schedule, year: int, month: int) -> date:
    """The day a monthly schedule fires in one month (a 31st in a 30-day month: the 30th)."""
    end = _month_end(year, month)
    if s.month_week == 0:
        return date(year, month, end if s.monthday == LAST else min(s.monthday, end))
    weekday = s.weekdays[0]
    if s.month_week == LAST:
        last = date(year, month, end)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (s.month_week - 1))


def _first_monthly_day(s: Schedule, start: date) -> date:
    if s.anchor is not None and start < s.anchor:
        start = s.anchor
    year, month = start.year, start.month
    for _ in range(2 * s.every + 1):
        months_from_anchor = 0 if s.anchor is None else (year - s.anchor.year) * 12 + month - s.anchor.month
        if months_from_anchor % s.every == 0:
            day = monthly_day(s, year, month)
            if day >= start:
                return day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("unreachable: a firing month comes within 2 * every months")


def _first_matching_day(s: Schedule, start: date) -> date:
    """The first local date >= start on which `s` is scheduled, in O(1) date arithmetic."""
    if s.kind == "daily":
        return start
    if s.kind == "monthly":
        return _first_monthly_day(s, start)
    assert s.anchor is not None or s.kind == "weekly"
    if s.kind == "interval":
        assert s.anchor is not None
        if start <= s.anchor:
            return s.anchor
        # Round up to the next multiple of `every` days from the anchor.
        return s.anchor + timedelta(days=-(-(start - s.anchor).days // s.every) * s.every)
    # weekly
    if s.anchor is not None and start < s.anchor:
        start = s.anchor  # the series begins at its anchor
    if s.every == 1 or s.anchor is None:
        week_start, offset = _monday(start), start.weekday()
        for wd in s.weekdays:
            if wd >= offset:
                return week_start + timedelta(days=wd)
        return week_start + timedelta(days=7 + s.weekdays[0])
    base = _monday(s.anchor)
    week = (_monday(start) - base).days // 7
    if week % s.every == 0:
        for wd in s.weekdays:
            if wd >= start.weekday():
                return base + timedelta(days=7 * week + wd)
        week += s.every
    else:
        week += s.every - week % s.every  # jump to the next firing week
    return base + timedelta(days=7 * week + s.weekdays[0])


def next_occurrence(schedule: Schedule, after: datetime, tz: tzinfo) -> datetime | None:
    """The first occurrence strictly after `after` (aware), as aware UTC; None when there is none."""
    if after.utcoffset() is None:
        raise ValueError("after must be an aware datetime")
    if schedule.kind == "once":
        assert schedule.once_utc is not None
        return schedule.once_utc if schedule.once_utc > after else None
    assert schedule.at is not None
    # Start a day early: a local day's instant can precede `after`'s local date only around odd
    # transitions, and starting early costs at most one extra step.
    try:
        day = after.astimezone(tz).date() - timedelta(days=1)
        for _ in range(_MAX_STEPS):
            day = _first_matching_day(schedule, day)
            for at in schedule.times:
                if schedule.ends is not None and datetime.combine(day, at) > schedule.ends:
                    return None  # the repeat has ended
                instant = local_to_utc(day, at, tz)
                if instant > after:
                    return instant
            day += timedelta(days=1)
    except OverflowError:
        return None  # beyond year 9999: no representable occurrence
    raise RuntimeError(f"no occurrence found within {_MAX_STEPS} candidate days; zone data is odd")


# --- describing ------------------------------------------------------------------------------------


def upcoming(schedule: Schedule, after: datetime, tz: tzinfo, count: int) -> list[datetime]:
    """The next `count` occurrences after `after` (fewer when the schedule ends sooner)."""
    found: list[datetime] = []
    cursor = after
    while len(found) < count and (nxt := next_occurrence(schedule, cursor, tz)) is not None:
        found.append(nxt)
        cursor = nxt
    return found


def is_last(schedule: Schedule, due: datetime, tz: tzinfo) -> bool:
    """Whether the occurrence at `due` is a repeat's last one (an ending repeat, or a one-off)."""
    return next_occurrence(schedule, due, tz) is None


def format_clock(t: time) -> str:
    """24-hour "HH:MM", with seconds only when they are set."""
    return t.strftime("%H:%M:%S" if t.second else "%H:%M")


def instant_clock(moment: datetime) -> str:
    """ "HH:MM" of an aware local moment, with its zone's abbreviation when the clocks going back make that
    wall time happen twice that day ("01:30 EDT", then "01:30 EST"): otherwise either could be meant."""
    clock = moment.strftime("%H:%M")
    other = moment.replace(fold=1 - moment.fold)
    if other.utcoffset() != moment.utcoffset():
        return f"{clock} {moment.tzname()}"
    return clock


def format_short_day(d: date) -> str:
    """ "Thu 3 Dec": how buttons and the next times name a day (the year is clear from context)."""
    return f"{DAY_ABBR[d.weekday()]} {d.day} {_MONTH_ABBR[d.month - 1]}"


def format_day(d: date) -> str:
    """Format as "Thu 10 Dec 2026"; fixed English names, independent of the process locale (unlike %a/%b)."""
    return f"{DAY_ABBR[d.weekday()]} {d.day:02d} {_MONTH_ABBR[d.month - 1]} {d.year}"


def _join_days(days: tuple[int, ...]) -> str:
    names = [DAY_ABBR[d] for d in days]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _monthly_words(s: Schedule) -> str:
    months = "every month" if s.every == 1 else f"every {s.every} months"
    if s.month_week:
        which = "last" if s.month_week == LAST else _WEEK_WORDS[s.month_week - 1]
        return f"{months} on the {which} {DAY_ABBR[s.weekdays[0]]}"
    return f"{months} on the {'last day' if s.monthday == LAST else ordinal(s.monthday)}"


def describe(schedule: Schedule, tz: tzinfo) -> str:
    """English description, e.g. "every Mon and Thu at 20:00" or "once on Thu 10 Dec 2026 at 09:00"."""
    s = schedule
    if s.kind == "once":
        assert s.once_utc is not None
        loc = s.once_utc.astimezone(tz)
        return f"once on {format_day(loc.date())} at {format_clock(loc.time())}"
    text = _describe_repeat(s)
    if s.ends is not None:
        clock = "" if s.ends.time() == END_OF_DAY else f" {format_clock(s.ends.time())}"
        text += f" until {format_day(s.ends.date())}{clock}"
    return text


def _describe_repeat(s: Schedule) -> str:
    assert s.at is not None
    at = _join([format_clock(t) for t in s.times])
    if s.kind == "monthly":
        return f"{_monthly_words(s)} at {at}"
    if s.kind == "daily" or (s.kind == "interval" and s.every == 1):
        return f"every day at {at}"
    if s.kind == "interval":
        return f"every {s.every} days at {at}"
    if s.every > 1:
        return f"every {s.every} weeks on {_join_days(s.weekdays)} at {at}"
    if s.weekdays == _ALL_DAYS:
        return f"every day at {at}"
    if s.weekdays == _WEEKDAYS:
        return f"every weekday at {at}"
    return f"every {_join_days(s.weekdays)} at {at}"


def times_per_week(schedule: Schedule) -> float:
    """Average firings per week (a once schedule counts as 0)."""
    per_day = len(schedule.times)
    if schedule.kind == "once":
        return 0.0
    if schedule.kind == "daily":
        return 7.0 * per_day
    if schedule.kind == "interval":
        return 7.0 * per_day / schedule.every
    if schedule.kind == "monthly":
        return per_day * 12 / 52.1775 / schedule.every
    return len(schedule.weekdays) * per_day / schedule.every


# --- serialisation ---------------------------------------------------------------------------------


def _time_to_str(t: time) -> str:
    # "HH:MM" when possible so stored data stays readable; isoformat keeps seconds/microseconds lossless.
    return t.strftime("%H:%M") if not (t.second or t.microsecond) else t.isoformat()


def schedule_to_dict(s: Schedule) -> dict[str, Any]:
    """A JSON-safe dict (strings, ints, lists, None) that `schedule_from_dict` turns back into `s`."""
    stored: dict[str, Any] = {
        "kind": s.kind,
        "at": None if s.at is None else _time_to_str(s.at),
        "weekdays": list(s.weekdays),
        "every": s.every,
        "anchor": None if s.anchor is None else s.anchor.isoformat(),
        "once_utc": None if s.once_utc is None else s.once_utc.isoformat(),
    }
    # Newer fields only when set, so every schedule written before them reads and writes back unchanged.
    if s.also_at:
        stored["also_at"] = [_time_to_str(t) for t in s.also_at]
    if s.monthday:
        stored["monthday"] = s.monthday
    if s.month_week:
        stored["month_week"] = s.month_week
    if s.ends is not None:
        stored["ends"] = s.ends.isoformat()
    return stored


def _parse_once(value: object) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError) as exc:
            raise ValueError(f"once_utc epoch out of range: {value!r}") from exc
    if isinstance(value, str):
        dt = datetime.fromisoformat(value)
        if dt.utcoffset() is None:
            raise ValueError(f"once_utc must carry an offset, got {value!r}")
        return dt.astimezone(UTC)
    raise ValueError(f"once_utc must be an ISO string or epoch seconds, got {value!r}")


def schedule_from_dict(d: dict[str, Any]) -> Schedule:
    """Inverse of `schedule_to_dict`; also accepts once_utc as epoch seconds. Raises ValueError."""
    kind = d.get("kind")
    if kind not in KINDS:
        raise ValueError(f"unknown schedule kind {kind!r}")
    at = d.get("at")
    anchor = d.get("anchor")
    weekdays = d.get("weekdays") or ()
    every = d.get("every", 1)
    if not isinstance(weekdays, list | tuple) or not all(
        isinstance(x, int) and not isinstance(x, bool) for x in weekdays
    ):
        raise ValueError(f"weekdays must be a list of ints, got {weekdays!r}")
    if at is not None and not isinstance(at, str):
        raise ValueError(f"at must be a string like '20:00', got {at!r}")
    if anchor is not None and not isinstance(anchor, str):
        raise ValueError(f"anchor must be an ISO date string, got {anchor!r}")
    also_at = d.get("also_at") or ()
    if not isinstance(also_at, list | tuple) or not all(isinstance(x, str) for x in also_at):
        raise ValueError(f"also_at must be a list of times like '20:00', got {also_at!r}")
    ends = d.get("ends")
    if ends is not None and not isinstance(ends, str):
        raise ValueError(f"ends must be an ISO date-time string, got {ends!r}")
    monthday, month_week = d.get("monthday", 0), d.get("month_week", 0)
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (monthday, month_week)):
        raise ValueError(f"monthday and month_week must be ints, got {monthday!r}, {month_week!r}")
    return Schedule(
        kind=cast(Kind, kind),
        at=None if at is None else time.fromisoformat(at),
        weekdays=tuple(weekdays),
        every=every,
        anchor=None if anchor is None else date.fromisoformat(anchor),
        once_utc=_parse_once(d.get("once_utc")),
        also_at=tuple(time.fromisoformat(t) for t in also_at),
        monthday=monthday,
        month_week=month_week,
        ends=None if ends is None else datetime.fromisoformat(ends),
    )
