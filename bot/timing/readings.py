"""What a when-phrase means: its parts (bot.timing.phrases) made into one Schedule, with what was assumed.

A Reading is the schedule plus everything the person should be told: which of two readings was chosen
("at 9" at 20:08 is 21:00 tonight; 09:00 tomorrow is offered), which hour a morning is, that 02:30 does not
exist on a clock-change day, that the 31st falls on a shorter month's last day. The other likely readings
come as alternatives, so the confirmation can offer them as buttons. A phrase that cannot mean one thing is
refused with WhenParseError, quoting it and showing phrases that work.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.timing.phrases import Clock, DateSpec, Parts, ScanError, normalise, scan
from bot.timing.recurrence import (
    END_OF_DAY,
    LAST,
    Schedule,
    format_clock,
    format_day,
    local_to_utc,
    monthly_day,
    next_occurrence,
    upcoming,
)
from bot.timing.timeparse import WHEN_EXAMPLES, WhenParseError, parse_clock, parse_duration, try_examples

DEFAULT_DATE_TIME = time(9, 0)  # a day without a time ("tomorrow", "on dec 24")
PART_TIMES = {"morning": time(8, 0), "afternoon": time(14, 0), "evening": time(19, 0), "night": time(21, 0)}
# When each part of the day is, as hours [start, end) on a 0-30 scale (night runs past midnight).
_PART_HOURS = {"morning": (4, 12), "afternoon": (12, 18), "evening": (16, 24), "night": (18, 30)}
SMALL_HOURS_END = 4  # before 04:00 "tomorrow" still means the day that is starting
MAX_EVERY = {"interval": 365, "weekly": 52, "monthly": 12}
MAX_COUNT = 1000
MAX_AHEAD = timedelta(days=3660)
MAX_YEARS_AHEAD = 100
_STARTERS = frozenset({"at", "on", "in", "every", "each", "until", "for", "from", "starting", "next", "this"})


@dataclass(frozen=True, slots=True)
class Alternative:
    label: str  # a short button label: "21:00 tonight", "Fri 11 Dec"
    schedule: Schedule


@dataclass(frozen=True, slots=True)
class Reading:
    schedule: Schedule
    phrase: str
    notes: tuple[str, ...] = ()
    alternatives: tuple[Alternative, ...] = ()


class _Build:
    """Collects notes and alternatives while one phrase is read."""

    def __init__(self, phrase: str, now: datetime, tz: tzinfo) -> None:
        self.phrase = phrase
        self.now = now
        self.tz = tz
        self.today = now.astimezone(tz).date()
        self.notes: list[str] = []
        self.alternatives: list[Alternative] = []

    def refuse(self, message: str, *examples: str, fragment: str | None = None) -> WhenParseError:
        text = message + (" " + try_examples(*examples) if examples else "")
        return WhenParseError(text, fragment=fragment or self.phrase, definite=True)


def read_when(text: str, now: datetime, tz: tzinfo) -> Reading:
    """Read a when-phrase relative to `now` (aware) in the person's zone `tz`. Raises WhenParseError."""
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    phrase = normalise(text)
    if not phrase:
        raise WhenParseError(f"When should I remind you? {try_examples(*WHEN_EXAMPLES)}")
    try:
        parts = scan(phrase)
    except ScanError as exc:
        raise _scan_error(phrase, exc) from None
    build = _Build(phrase, now, tz)
    schedule = _repeat(parts, build) if parts.repeat is not None else _once(parts, build)
    _note_gaps(schedule, build)
    return Reading(schedule, phrase, tuple(build.notes), tuple(build.alternatives))


def parse_when(text: str, now: datetime, tz: tzinfo) -> Schedule:
    return read_when(text, now, tz).schedule


def _scan_error(phrase: str, exc: ScanError) -> WhenParseError:
    if exc.reason == "hourly":
        return WhenParseError(
            f'I can\'t repeat a reminder every hour or minute ("{exc.rest}"). Give the times of day instead. '
            + try_examples("every day at 8:00 and 20:00", "twice a day at 9 and 21"),
            fragment=exc.rest,
            definite=True,
        )
    if exc.reason.startswith("twice:"):
        return WhenParseError(
            f'"{phrase}" gives {exc.reason[6:]} twice ("{exc.rest}"). Say it once. ' + try_examples(*WHEN_EXAMPLES),
            fragment=exc.rest,
            definite=True,
        )
    first, _, after = exc.rest.partition(" ")
    if first == "in" and after:
        parse_duration(after)  # "in 30": its own message says a unit is missing
    if first == "at" and after:
        parse_clock(after.split()[0])  # "at 9pmm": its own message shows clock times that work
    if first in _STARTERS and after:
        # "at dawn", "on someday", "every fortnight at 9": quote the word after the one that was understood.
        word = after.split()[0]
        return WhenParseError(
            f'I didn\'t understand "{word}" in "{phrase}". {try_examples(*WHEN_EXAMPLES)}', fragment=word
        )
    if exc.rest == phrase:
        return WhenParseError(f'I didn\'t understand "{phrase}". {try_examples(*WHEN_EXAMPLES)}', fragment=phrase)
    return WhenParseError(
        f'I didn\'t understand "{exc.rest}" in "{phrase}". {try_examples(*WHEN_EXAMPLES)}', fragment=exc.rest
    )


# --- clock times -----------------------------------------------------------------------------------


def _clock_time(c: Clock, part: str | None, build: _Build) -> tuple[time, time | None]:
    """The time a written clock means, and the other reading of a lone hour ("at 9": 21:00)."""
    hour = c.hour
    if c.second > 59 or c.minute > 59:
        raise build.refuse(f'"{c.text}" isn\'t a valid time: minutes run 0-59.', "21:30", "9:15pm", fragment=c.text)
    if c.meridiem:
        if not 1 <= hour <= 12:
            raise build.refuse(f'"{c.text}" mixes 24-hour and am/pm.', "9pm", "21:00", fragment=c.text)
        hour = hour % 12 + (12 if c.meridiem == "p" else 0)
    elif part is not None and 1 <= hour <= 12 and not c.named:
        hour = _in_part(hour, part)
    if hour > 23:
        raise build.refuse(f'"{c.text}" isn\'t a valid time: hours run 0-23.', "21:30", "9:15pm", fragment=c.text)
    at = time(hour, c.minute, c.second)
    if part is not None and not _fits(at, part):
        raise build.refuse(
            f'"{build.phrase}" says {part} but {format_clock(at)} is not in the {part}.',
            "tonight at 22:00" if part == "night" else f"tomorrow {part} at {format_clock(PART_TIMES[part])}",
            fragment=c.text,
        )
    other = None
    if c.bare and part is None and 1 <= c.hour <= 11:
        other = time(c.hour + 12, c.minute)
    return at, other


def _in_part(hour: int, part: str) -> int:
    """A 12-hour clock inside a part of the day: "tonight at 10" is 22:00, "in the morning at 7" 07:00."""
    if part == "morning":
        return 0 if hour == 12 else hour
    if part == "night":
        return 0 if hour == 12 else hour if hour <= 5 else hour + 12
    return 12 if hour == 12 else hour + 12  # afternoon, evening


def _fits(at: time, part: str) -> bool:
    lo, hi = _PART_HOURS[part]
    hour = at.hour + (24 if part == "night" and at.hour < 6 else 0)
    return lo <= hour < hi or (part == "evening" and at == time(0, 0))


def _times(
    parts: Parts, build: _Build, default: time | None, part: str | None = None
) -> tuple[list[time], time | None]:
    """Every clock of the phrase, sorted and unique, and the other reading when it is one lone hour."""
    part = part or parts.part
    if not parts.clocks:
        if part is not None:
            at = PART_TIMES[part]
            build.notes.append(
                f"I took the {part} as {format_clock(at)}. For another hour, say it: "
                f'"{build.phrase} at {_example_hour(part)}".'
            )
            return [at], None
        if default is None:
            return [], None
        return [default], None
    read = [_clock_time(c, part, build) for c in parts.clocks]
    times = sorted({at for at, _ in read})
    other = read[0][1] if len(read) == 1 else None
    return times, other


def _example_hour(part: str) -> str:
    return {"morning": "7:30", "afternoon": "15:00", "evening": "18:30", "night": "22:30"}[part]


# --- days ------------------------------------------------------------------------------------------


def _ahead(day: date, at: time, build: _Build) -> bool:
    return local_to_utc(day, at, build.tz) > build.now


def _weekday_on_or_after(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def _resolve_day(spec: DateSpec, at: time, build: _Build) -> date:
    """The local date a written day means for a one-off at `at`; alternatives are recorded on `build`."""
    today = build.today
    if spec.kind == "offset":
        if spec.offset == 1 and build.now.astimezone(build.tz).hour < SMALL_HOURS_END:
            # At 01:00 "tomorrow" is the day after a night's sleep, which is today's date.
            build.notes.append(f'It\'s after midnight, so I took "{spec.text}" as today, {format_day(today)}.')
            build.alternatives.append(_alt_day(today + timedelta(days=1), at, build))
            return today
        return today + timedelta(days=spec.offset)
    if spec.kind == "weekday":
        if len(spec.weekdays) != 1:
            raise build.refuse(
                f'"{spec.text}" names several days. For a repeat say "every", for example:',
                f"every {spec.text.removeprefix('on ')} at 9:00",
                fragment=spec.text,
            )
        day = _weekday_on_or_after(today, spec.weekdays[0])
        if not _ahead(day, at, build):
            day += timedelta(days=7)
        if spec.next_ and (day - today).days < 7:
            # "next friday" is the coming Friday for some and the one after for others: say which.
            build.notes.append(f'I took "{spec.text}" as the coming one, {format_day(day)}.')
            build.alternatives.append(_alt_day(day + timedelta(days=7), at, build))
        return day
    if spec.kind == "weekend":
        saturday = _weekday_on_or_after(today, 5)
        if today.weekday() == 6 and _ahead(today, at, build) and not spec.next_:
            day = today
        else:
            day = saturday if _ahead(saturday, at, build) else saturday + timedelta(days=7)
            if spec.next_ and (day - today).days < 7 and today.weekday() >= 4:
                day += timedelta(days=7)
        build.notes.append(f'I took "{spec.text}" as Saturday, {format_day(day)}.')
        if day.weekday() == 5:
            build.alternatives.append(_alt_day(day + timedelta(days=1), at, build))
        return day
    if spec.kind == "week":
        day = today + timedelta(days=7)
        monday = _weekday_on_or_after(today + timedelta(days=1), 0)
        build.notes.append(f'I took "{spec.text}" as a week from today, {format_day(day)}.')
        if monday != day:
            build.alternatives.append(_alt_day(monday, at, build))
        return day
    if spec.kind == "month":
        month = today.month % 12 + 1
        year = today.year + (today.month == 12)
        day = _clamped(year, month, today.day)
        build.notes.append(f'I took "{spec.text}" as a month from today, {format_day(day)}.')
        return day
    if spec.kind == "monthday":
        return _next_monthday(spec, at, build)
    if spec.kind == "month_weekday":
        probe = Schedule("monthly", at=at, month_week=spec.week, weekdays=spec.weekdays)
        return _first_ahead(probe, build)
    return _calendar_date(spec, at, build)


def _alt_day(day: date, at: time, build: _Build) -> Alternative:
    instant = local_to_utc(day, at, build.tz)
    return Alternative(f"{format_day(day)[:10]} {format_clock(at)}", Schedule("once", once_utc=instant))


def _clamped(year: int, month: int, day: int) -> date:
    probe = Schedule("monthly", at=time(0), monthday=day)
    return monthly_day(probe, year, month)


def _first_ahead(probe: Schedule, build: _Build) -> date:
    instant = next_occurrence(probe, build.now, build.tz)
    assert instant is not None
    return instant.astimezone(build.tz).date()


def _next_monthday(spec: DateSpec, at: time, build: _Build) -> date:
    assert spec.day is not None
    if spec.day == LAST:
        return _first_ahead(Schedule("monthly", at=at, monthday=LAST), build)
    if not 1 <= spec.day <= 31:
        raise build.refuse(f'There is no "{spec.text}" in a month.', "on the 15th", "on dec 24", fragment=spec.text)
    year, month = build.today.year, build.today.month
    for _ in range(14):  # a one-off "on the 31st" is the next month that has one
        try:
            day = date(year, month, spec.day)
        except ValueError:
            day = None
        if day is not None and _ahead(day, at, build):
            return day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("unreachable: every day 1-31 comes round within 14 months")


def _calendar_date(spec: DateSpec, at: time, build: _Build) -> date:
    assert spec.month is not None and spec.day is not None
    if spec.ambiguous_numeric:
        raise build.refuse(
            f'"{spec.text}" could be day/month or month/day.', "10 dec", "dec 10", "2026-12-10", fragment=spec.text
        )
    if spec.year is not None:
        try:
            day = date(spec.year, spec.month, spec.day)
        except ValueError:
            raise _no_such_date(spec.text, build) from None
        if day.year > build.today.year + MAX_YEARS_AHEAD:
            raise build.refuse(f'"{spec.text}" is too far ahead.', "2027-01-10", "10 dec", fragment=spec.text)
        if not _ahead(day, at, build):
            raise _passed(build.phrase, local_to_utc(day, at, build.tz), build)
        return day
    for year in range(build.today.year, build.today.year + 9):  # nine years always include a 29 Feb
        try:
            day = date(year, spec.month, spec.day)
        except ValueError:
            if spec.day > 29 or spec.month != 2:
                raise _no_such_date(spec.text, build) from None
            continue
        if _ahead(day, at, build):
            return day
    raise _no_such_date(spec.text, build)


def _no_such_date(text: str, build: _Build) -> WhenParseError:
    return build.refuse(f'There is no such date as "{text}".', "2026-12-10", "10 dec", "dec 10", fragment=text)


def _passed(text: str, instant: datetime, build: _Build) -> WhenParseError:
    loc = instant.astimezone(build.tz)
    return build.refuse(
        f'That time has already passed: "{text}" was {format_day(loc.date())} at {format_clock(loc.time())}.',
        "tomorrow at 9am",
        "in 2h",
        "every day at 21:30",
    )


# --- one-offs --------------------------------------------------------------------------------------


def _once(parts: Parts, build: _Build) -> Schedule:
    if parts.end is not None:
        raise build.refuse(
            f'"{parts.end.text}" is for repeats.', f"every day at 21:30 {parts.end.text}", fragment=parts.end.text
        )
    if parts.start is not None:
        raise build.refuse(f'"{parts.start.text}" is for repeats.', "every day at 8:00 starting monday")
    if parts.relative is not None:
        return _relative(parts, build)
    if len(parts.clocks) > 1:
        listed = " and ".join(c.text for c in parts.clocks)
        raise build.refuse(
            f'"{parts.clock_text}" gives several times for a one-off. For each day, say "every day":',
            f"every day at {listed}",
            fragment=parts.clock_text,
        )
    if parts.day is None and not parts.clocks and parts.part is None:
        raise WhenParseError(f'I didn\'t understand "{build.phrase}". {try_examples(*WHEN_EXAMPLES)}')
    default = DEFAULT_DATE_TIME if parts.day is not None else None
    times, other = _times(parts, build, default)
    at = times[0]
    if parts.day is None:
        return _clock_only(at, other, parts, build)
    if not parts.clocks and parts.part is None:
        build.notes.append(f"No time given, so I set {format_clock(at)}.")
    day = _resolve_day(parts.day, at, build)
    if other is not None:
        am, pm = _instant(day, at, build), _instant(day, other, build)
        if am <= build.now < pm:  # "today at 9" at 10:00: only the evening is still ahead
            at, other = other, None
            build.notes.append(f'I read "{parts.clock_text}" as {format_clock(at)}.')
        else:
            build.alternatives.append(Alternative(_alt_label(day, other, build), Schedule("once", once_utc=pm)))
            build.notes.append(f'I read "{parts.clock_text}" as {format_clock(at)}, not {format_clock(other)}.')
    return _once_at(day, at, build)


def _clock_only(at: time, other: time | None, parts: Parts, build: _Build) -> Schedule:
    """ "at 9", "9pm", "at noon", "in the evening": the next time that clock comes round."""
    first = next_occurrence(Schedule("daily", at=at), build.now, build.tz)
    assert first is not None
    if other is None:
        _note_once_gap(first, at, build)
        return Schedule("once", once_utc=first)
    second = next_occurrence(Schedule("daily", at=other), build.now, build.tz)
    assert second is not None
    chosen, rejected = (first, second) if first <= second else (second, first)
    build.notes.append(f'I read "{parts.clock_text}" as {_say_when(chosen, build)}, the sooner of the two.')
    rejected_local = rejected.astimezone(build.tz)
    label = _alt_label(rejected_local.date(), rejected_local.time(), build)
    build.alternatives.append(Alternative(label, Schedule("once", once_utc=rejected)))
    _note_once_gap(chosen, at if chosen == first else other, build)
    return Schedule("once", once_utc=chosen)


def _say_when(instant: datetime, build: _Build) -> str:
    loc = instant.astimezone(build.tz)
    day = (
        "today"
        if loc.date() == build.today
        else "tomorrow"
        if loc.date() == build.today + timedelta(days=1)
        else (format_day(loc.date()))
    )
    return f"{format_clock(loc.time())} {day}"


def _alt_label(day: date, at: time, build: _Build) -> str:
    if day == build.today:
        return f"{format_clock(at)} today"
    if day == build.today + timedelta(days=1):
        return f"{format_clock(at)} tomorrow"
    return f"{format_day(day)[:10]} {format_clock(at)}"


def _instant(day: date, at: time, build: _Build) -> datetime:
    return local_to_utc(day, at, build.tz)


def _note_once_gap(instant: datetime, at: time, build: _Build) -> None:
    """A wall time that a clock change skips (02:30 on a spring-forward day) fires just after the gap: say so."""
    loc = instant.astimezone(build.tz)
    if loc.time().replace(tzinfo=None) != at:
        build.notes.append(
            f"{format_clock(at)} doesn't exist on {format_day(loc.date())} (the clocks go forward), "
            f"so I'll remind you at {format_clock(loc.time())}."
        )


def _relative(parts: Parts, build: _Build) -> Schedule:
    assert parts.relative is not None
    if parts.relative_days is not None and (parts.clocks or parts.part):
        # "in 2 days at 9": a day two days from today, at that time.
        day = build.today + timedelta(days=parts.relative_days)
        times, other = _times(parts, build, None)
        if len(times) > 1:
            raise build.refuse(f'"{parts.clock_text}" gives several times for a one-off.', "in 2 days at 9:00")
        if other is not None:
            build.alternatives.append(Alternative(_alt_label(day, other, build), _once_at(day, other, build)))
            build.notes.append(f'I read "{parts.clock_text}" as {format_clock(times[0])}, not {format_clock(other)}.')
        return _once_at(day, times[0], build)
    if parts.clocks or parts.day is not None or parts.part is not None:
        extra = parts.clock_text or (parts.day.text if parts.day else parts.part_text)
        raise build.refuse(
            f'"{parts.relative_text}" already says when; "{extra}" doesn\'t fit with it.',
            "in 2h",
            "tomorrow at 9am",
            fragment=extra,
        )
    if parts.relative > MAX_AHEAD:
        raise build.refuse(f'"{parts.relative_text}" is too far ahead; the most is about 10 years.', "in 3 days")
    return Schedule("once", once_utc=build.now.astimezone(UTC) + parts.relative)


def _once_at(day: date, at: time, build: _Build) -> Schedule:
    instant = _instant(day, at, build)
    if instant <= build.now:
        raise _passed(build.phrase, instant, build)
    _note_once_gap(instant, at, build)
    return Schedule("once", once_utc=instant)


# --- repeats ---------------------------------------------------------------------------------------


def _repeat(parts: Parts, build: _Build) -> Schedule:
    repeat = parts.repeat
    assert repeat is not None
    if parts.relative is not None:
        raise build.refuse(
            f'"{parts.relative_text}" and "{repeat.text}" don\'t go together.', "every day at 9:00", "in 2h"
        )
    times, other = _times(parts, build, None, repeat.part)
    if not times:
        raise build.refuse(
            f'I need a time of day for "{build.phrase}". Please add one, like "{build.phrase} at 20:00".'
        )
    if repeat.per_day and len(times) != repeat.per_day:
        raise build.refuse(
            f'"{repeat.text}" needs {repeat.per_day} times of day; I found {len(times)}.',
            "twice a day at 8:00 and 20:00",
            "every day at 9 and 21",
        )
    if repeat.every < 1 or repeat.every > MAX_EVERY.get(repeat.kind, 1):
        unit = {"interval": "days", "weekly": "weeks", "monthly": "months"}.get(repeat.kind, "days")
        limit = MAX_EVERY.get(repeat.kind, 1)
        reason = "the number must be at least 1" if repeat.every < 1 else f"the most is {limit}"
        raise build.refuse(f'"{repeat.text}" doesn\'t work: {reason} {unit}.', "every 3 days at 8:00")
    start = _start_day(parts, build)
    schedule = _repeat_shape(parts, times, start, build)
    if other is not None:
        build.notes.append(f'I read "{parts.clock_text}" as {format_clock(times[0])}, not {format_clock(other)}.')
        evening = _with_times(schedule, [other])
        build.alternatives.append(Alternative(f"{format_clock(other)} instead", evening))
    return _with_end(schedule, parts, build)


def _with_times(schedule: Schedule, times: list[time]) -> Schedule:
    return replace(schedule, at=times[0], also_at=tuple(times[1:]))


def _start_day(parts: Parts, build: _Build) -> date | None:
    if parts.start is None:
        return None
    probe_at = time(0, 0)
    day = (
        _resolve_day(parts.start, probe_at, build)
        if parts.start.kind != "offset"
        else (build.today + timedelta(days=parts.start.offset))
    )
    return day


def _repeat_shape(parts: Parts, times: list[time], start: date | None, build: _Build) -> Schedule:
    repeat = parts.repeat
    assert repeat is not None
    at, also = times[0], tuple(times[1:])
    day = parts.day
    if repeat.kind == "monthly":
        return _monthly(parts, at, also, start, build)
    if day is not None and not (repeat.kind == "weekly" and not repeat.weekdays and day.kind == "weekday"):
        raise build.refuse(
            f'"{day.text}" and "{repeat.text}" don\'t go together: a repeat doesn\'t take a day.',
            "every day at 8:00 starting monday",
            "every 2 weeks on sat at 10:00",
            fragment=day.text,
        )
    if repeat.kind == "weekly":
        weekdays = repeat.weekdays or (day.weekdays if day is not None else ())
        if not weekdays:
            raise build.refuse(
                f'Which day for "{build.phrase}"? Add one, like "every 2 weeks on sat at 10:00" '
                'or "every week on sun at 19:00".'
            )
        if len(weekdays) == 7 and repeat.every == 1:
            return _daily(at, also, start)
        if repeat.every == 1 and start is None:
            return Schedule("weekly", at=at, also_at=also, weekdays=weekdays)
        probe = Schedule("weekly", at=at, also_at=also, weekdays=weekdays)
        anchor = _first_from(probe, start, build)
        return Schedule("weekly", at=at, also_at=also, weekdays=weekdays, every=repeat.every, anchor=anchor)
    if repeat.kind == "interval" and repeat.every > 1:
        anchor = _first_from(Schedule("daily", at=at, also_at=also), start, build)
        return Schedule("interval", at=at, also_at=also, every=repeat.every, anchor=anchor)
    return _daily(at, also, start)


def _daily(at: time, also: tuple[time, ...], start: date | None) -> Schedule:
    if start is None:
        return Schedule("daily", at=at, also_at=also)
    return Schedule("interval", at=at, also_at=also, every=1, anchor=start)  # a daily repeat from a given day


def _first_from(probe: Schedule, start: date | None, build: _Build) -> date:
    """The local date of the first firing: from `start` if given, else the next one ahead."""
    if start is not None:
        probe = (
            replace(probe, anchor=start, every=1)
            if probe.kind != "daily"
            else Schedule("interval", at=probe.at, also_at=probe.also_at, every=1, anchor=start)
        )
    return _first_ahead(probe, build)


def _monthly(parts: Parts, at: time, also: tuple[time, ...], start: date | None, build: _Build) -> Schedule:
    repeat = parts.repeat
    assert repeat is not None
    day = parts.day
    if day is None or day.kind not in ("monthday", "month_weekday"):
        raise build.refuse(
            f'Which day of the month for "{build.phrase}"?',
            "every month on the 1st at 9:00",
            "monthly on the 15th at 20:00",
            "every first monday of the month at 9:00",
            fragment=day.text if day else repeat.text,
        )
    if day.kind == "monthday":
        assert day.day is not None
        if not (1 <= day.day <= 31 or day.day == LAST):
            raise build.refuse(f'There is no "{day.text}" in a month.', "every month on the 15th at 9:00")
        shape = Schedule("monthly", at=at, also_at=also, monthday=day.day)
        if day.day >= 29:
            build.notes.append(f"Months without a {ordinal_day(day.day)} get it on their last day (e.g. 28 or 29 Feb).")
    else:
        if day.week == 5:
            raise build.refuse(
                "Not every month has a fifth one of each weekday.", "every last monday of the month at 9:00"
            )
        shape = Schedule("monthly", at=at, also_at=also, month_week=day.week, weekdays=day.weekdays)
    if repeat.every == 1 and start is None:
        return shape
    probe = replace(shape, anchor=start) if start is not None else shape
    anchor = _first_ahead(probe, build)
    return replace(shape, every=repeat.every, anchor=anchor)


def ordinal_day(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _with_end(schedule: Schedule, parts: Parts, build: _Build) -> Schedule:
    end = parts.end
    if end is None:
        return schedule
    first = next_occurrence(schedule, build.now, build.tz)
    assert first is not None
    first_day = first.astimezone(build.tz).date()
    if end.kind == "count":
        if not 1 <= end.count <= MAX_COUNT:
            raise build.refuse(
                f'"{end.text}" doesn\'t work: give 1 to {MAX_COUNT} times.', "every day at 9:00 10 times"
            )
        found = upcoming(schedule, build.now, build.tz, end.count)
        last = found[-1].astimezone(build.tz)
        return replace(schedule, ends=last.replace(tzinfo=None))
    if end.kind == "for":
        if end.length_months:
            months = first_day.month - 1 + end.length_months
            last_day = _clamped(first_day.year + months // 12, months % 12 + 1, first_day.day) - timedelta(days=1)
        else:
            if not 1 <= end.length_days <= MAX_AHEAD.days:
                raise build.refuse(f'"{end.text}" is too long.', "every day at 21:30 for 6 weeks")
            last_day = first_day + timedelta(days=end.length_days - 1)
        return replace(schedule, ends=datetime.combine(last_day, END_OF_DAY))
    assert end.until is not None
    until = _until_day(end.until, build)
    if until < first_day:
        raise build.refuse(
            f'"{end.text}" is before the first time ({format_day(first_day)}).',
            "every day at 21:30 until 2027-03-01",
            fragment=end.text,
        )
    return replace(schedule, ends=datetime.combine(until, END_OF_DAY))


def _until_day(spec: DateSpec, build: _Build) -> date:
    if spec.kind == "offset":
        return build.today + timedelta(days=spec.offset)
    return _resolve_day(spec, END_OF_DAY, build)


def _note_gaps(schedule: Schedule, build: _Build) -> None:
    """Say so when a repeat's wall time does not exist on a clock-change day among its next few firings."""
    if schedule.kind == "once":
        return  # checked where the one-off is built, against the time asked for
    wanted = set(schedule.times)
    for instant in upcoming(schedule, build.now, build.tz, 3):
        loc = instant.astimezone(build.tz)
        if loc.time().replace(tzinfo=None) in wanted:
            continue
        missing = min(wanted, key=lambda t: abs(t.hour * 60 + t.minute - loc.hour * 60 - loc.minute))
        build.notes.append(
            f"{format_clock(missing)} doesn't exist on {format_day(loc.date())} (the clocks go forward), "
            f"so that day it's at {format_clock(loc.time())}."
        )


__all__ = ["END_OF_DAY", "Alternative", "Reading", "parse_when", "read_when"]
