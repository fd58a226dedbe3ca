"""Repeats of a when-phrase: daily, weekly, every N days, monthly, several times a day, and their end."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

from bot.timing.phrases import DateSpec, Parts
from bot.timing.recurrence import (
    END_OF_DAY,
    LAST,
    Schedule,
    format_clock,
    format_day,
    next_occurrence,
    ordinal,
    upcoming,
)
from bot.timing.resolve import MAX_AHEAD, Alternative, Build, clamped, clock_time, clock_times, first_ahead, resolve_day

MAX_EVERY = {"interval": 365, "weekly": 52, "monthly": 12}
MAX_COUNT = 1000


# --- repeats ---------------------------------------------------------------------------------------


def read_repeat(parts: Parts, build: Build) -> Schedule:
    repeat = parts.repeat
    assert repeat is not None
    if parts.relative is not None:
        raise build.refuse(
            f'"{parts.relative_text}" and "{repeat.text}" don\'t go together.', "every day at 9:00", "in 2h"
        )
    times, other = clock_times(parts, build, None, repeat.part)
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
    limit = MAX_EVERY.get(repeat.kind, 1)
    if repeat.every < 1 or repeat.every > limit:
        unit = {"interval": "days", "weekly": "weeks", "monthly": "months"}.get(repeat.kind, "days")
        reason = f"the number of {unit} must be 1 or more" if repeat.every < 1 else f"the most is every {limit} {unit}"
        example = {"weekly": "every 2 weeks on sat at 10:00", "monthly": "every 2 months on the 1st at 9:00"}
        raise build.refuse(
            f'"{repeat.text}" doesn\'t work: {reason}.', example.get(repeat.kind, "every 3 days at 8:00")
        )
    start = _start_day(parts, build)
    schedule = _repeat_shape(parts, times, start, build)
    if other is not None:
        build.notes.append(f'I read "{parts.clock_text}" as {format_clock(times[0])}, not {format_clock(other)}.')
        evening = _with_times(schedule, [other])
        build.alternatives.append(Alternative(f"{format_clock(other)} instead", evening))
    return _with_end(schedule, parts, build)


def _with_times(schedule: Schedule, times: list[time]) -> Schedule:
    return replace(schedule, at=times[0], also_at=tuple(times[1:]))


def _start_day(parts: Parts, build: Build) -> date | None:
    if parts.start is None:
        return None
    probe_at = time(0, 0)
    day = (
        resolve_day(parts.start, probe_at, build)
        if parts.start.kind != "offset"
        else (build.today + timedelta(days=parts.start.offset))
    )
    return day


def _repeat_shape(parts: Parts, times: list[time], start: date | None, build: Build) -> Schedule:
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


def _first_from(probe: Schedule, start: date | None, build: Build) -> date:
    """The local date of the first firing: from `start` if given, else the next one ahead."""
    if start is not None:
        probe = (
            replace(probe, anchor=start, every=1)
            if probe.kind != "daily"
            else Schedule("interval", at=probe.at, also_at=probe.also_at, every=1, anchor=start)
        )
    return first_ahead(probe, build)


def _monthly(parts: Parts, at: time, also: tuple[time, ...], start: date | None, build: Build) -> Schedule:
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
            build.notes.append(f"Months without a {ordinal(day.day)} get it on their last day (e.g. 28 or 29 Feb).")
    else:
        if day.week == 5:
            raise build.refuse(
                f'"{day.text}": not every month has a fifth one of each weekday.',
                "every last monday of the month at 9:00",
                fragment=day.text,
            )
        shape = Schedule("monthly", at=at, also_at=also, month_week=day.week, weekdays=day.weekdays)
    if repeat.every == 1 and start is None:
        return shape
    probe = replace(shape, anchor=start) if start is not None else shape
    anchor = first_ahead(probe, build)
    return replace(shape, every=repeat.every, anchor=anchor)


def _with_end(schedule: Schedule, parts: Parts, build: Build) -> Schedule:
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
            last_day = clamped(first_day.year + months // 12, months % 12 + 1, first_day.day) - timedelta(days=1)
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
    final = END_OF_DAY if end.until_clock is None else clock_time(end.until_clock, None, build)[0]
    return replace(schedule, ends=datetime.combine(until, final))


def _until_day(spec: DateSpec, build: Build) -> date:
    if spec.kind == "offset":
        return build.today + timedelta(days=spec.offset)
    if spec.kind == "date" and spec.year is not None and not spec.weekdays:
        try:  # a past end is said as such by the caller ("is before the first time"), not as a passed time
            return date(spec.year, spec.month or 0, spec.day or 0)
        except ValueError:
            pass  # resolve_day says there is no such date
    return resolve_day(spec, END_OF_DAY, build)


def note_gaps(schedule: Schedule, build: Build) -> None:
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
