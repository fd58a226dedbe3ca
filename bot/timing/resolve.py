"""Clock times and calendar days of a when-phrase resolved against "now": what one-offs and repeats share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from bot.timing.phrases import Clock, DateSpec, Parts
from bot.timing.recurrence import (
    LAST,
    Schedule,
    format_clock,
    format_day,
    format_short_day,
    local_to_utc,
    monthly_day,
    next_occurrence,
)
from bot.timing.timeparse import WhenParseError, try_examples

DEFAULT_DATE_TIME = time(9, 0)  # a day without a time ("tomorrow", "on dec 24")
PART_TIMES = {"morning": time(8, 0), "afternoon": time(14, 0), "evening": time(19, 0), "night": time(21, 0)}
# When each part of the day is, as hours [start, end) on a 0-30 scale (night runs past midnight).
_PART_HOURS = {"morning": (4, 12), "afternoon": (12, 18), "evening": (16, 24), "night": (18, 30)}
SMALL_HOURS_END = 4  # before 04:00 "tomorrow" still means the day that is starting
MAX_AHEAD = timedelta(days=3660)
MAX_YEARS_AHEAD = 100
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class Alternative:
    label: str  # a short button label: "21:00 tonight", "Fri 11 Dec"
    schedule: Schedule


class Build:
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


# --- clock times -----------------------------------------------------------------------------------


def clock_time(c: Clock, part: str | None, build: Build) -> tuple[time, time | None]:
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


def clock_times(
    parts: Parts, build: Build, default: time | None, part: str | None = None
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
    read = [clock_time(c, part, build) for c in parts.clocks]
    times = sorted({at for at, _ in read})
    other = read[0][1] if len(read) == 1 else None
    return times, other


def _example_hour(part: str) -> str:
    return {"morning": "7:30", "afternoon": "15:00", "evening": "18:30", "night": "22:30"}[part]


# --- days ------------------------------------------------------------------------------------------


def ahead(day: date, at: time, build: Build) -> bool:
    return local_to_utc(day, at, build.tz) > build.now


def _weekday_on_or_after(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def resolve_day(spec: DateSpec, at: time, build: Build) -> date:
    """The local date a written day means for a one-off at `at`; alternatives are recorded on `build`."""
    today = build.today
    if spec.kind == "offset":
        if spec.offset == 1 and build.now.astimezone(build.tz).hour < SMALL_HOURS_END:
            # At 01:00 "tomorrow" is the day after a night's sleep, which is today's date.
            build.notes.append(f'It\'s after midnight, so I took "{spec.text}" as today, {format_day(today)}.')
            build.alternatives.append(alt_day(today + timedelta(days=1), at, build))
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
        if not ahead(day, at, build) or (spec.next_ and day == today):
            day += timedelta(days=7)  # "next wednesday" said on a Wednesday is never today
        if spec.next_ and (day - today).days < 7:
            # "next friday" is the coming Friday for some and the one after for others: say which.
            build.notes.append(f'I took "{spec.text}" as the coming one, {format_day(day)}.')
            build.alternatives.append(alt_day(day + timedelta(days=7), at, build))
        return day
    if spec.kind == "weekend":
        saturday = _weekday_on_or_after(today, 5)
        if today.weekday() == 6 and ahead(today, at, build) and not spec.next_:
            day = today
        else:
            day = saturday if ahead(saturday, at, build) else saturday + timedelta(days=7)
            if spec.next_ and (day - today).days < 7 and today.weekday() >= 4:
                day += timedelta(days=7)
        build.notes.append(f'I took "{spec.text}" as Saturday, {format_day(day)}.')
        if day.weekday() == 5:
            build.alternatives.append(alt_day(day + timedelta(days=1), at, build))
        return day
    if spec.kind == "week":
        day = today + timedelta(days=7)
        monday = _weekday_on_or_after(today + timedelta(days=1), 0)
        build.notes.append(f'I took "{spec.text}" as a week from today, {format_day(day)}.')
        if monday != day:
            build.alternatives.append(alt_day(monday, at, build))
        return day
    if spec.kind == "month":
        month = today.month % 12 + 1
        year = today.year + (today.month == 12)
        day = clamped(year, month, today.day)
        build.notes.append(f'I took "{spec.text}" as a month from today, {format_day(day)}.')
        return day
    if spec.kind == "monthday":
        return _agrees(spec, _next_monthday(spec, at, build), at, build)
    if spec.kind == "month_weekday":
        probe = Schedule("monthly", at=at, month_week=spec.week, weekdays=spec.weekdays)
        return first_ahead(probe, build)
    return _agrees(spec, _calendar_date(spec, at, build), at, build)


def _agrees(spec: DateSpec, day: date, at: time, build: Build) -> date:
    """A date given with its weekday ("wed 25 nov") is taken only when the two agree."""
    if not spec.weekdays or day.weekday() == spec.weekdays[0]:
        return day
    said, real = WEEKDAY_NAMES[spec.weekdays[0]], WEEKDAY_NAMES[day.weekday()]
    written = f"{day.day} {format_day(day)[7:10]} {day.year}"
    raise build.refuse(
        f'"{spec.text}" doesn\'t add up: {written} is a {real}, not a {said}. Say the date or the day alone.',
        f"{written.lower()} at {format_clock(at)}",
        f"{said.lower()} at {format_clock(at)}",
        fragment=spec.text,
    )


def alt_day(day: date, at: time, build: Build) -> Alternative:
    instant = local_to_utc(day, at, build.tz)
    return Alternative(f"{format_short_day(day)} {format_clock(at)}", Schedule("once", once_utc=instant))


def clamped(year: int, month: int, day: int) -> date:
    probe = Schedule("monthly", at=time(0), monthday=day)
    return monthly_day(probe, year, month)


def first_ahead(probe: Schedule, build: Build) -> date:
    instant = next_occurrence(probe, build.now, build.tz)
    assert instant is not None
    return instant.astimezone(build.tz).date()


def _next_monthday(spec: DateSpec, at: time, build: Build) -> date:
    assert spec.day is not None
    if spec.day == LAST:
        return first_ahead(Schedule("monthly", at=at, monthday=LAST), build)
    if not 1 <= spec.day <= 31:
        raise build.refuse(f'There is no "{spec.text}" in a month.', "on the 15th", "on dec 24", fragment=spec.text)
    year, month = build.today.year, build.today.month
    for _ in range(14):  # a one-off "on the 31st" is the next month that has one
        try:
            day = date(year, month, spec.day)
        except ValueError:
            day = None
        if day is not None and ahead(day, at, build):
            return day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("unreachable: every day 1-31 comes round within 14 months")


def _calendar_date(spec: DateSpec, at: time, build: Build) -> date:
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
        if not ahead(day, at, build):
            raise passed(build.phrase, local_to_utc(day, at, build.tz), build)
        return day
    for year in range(build.today.year, build.today.year + 9):  # nine years always include a 29 Feb
        try:
            day = date(year, spec.month, spec.day)
        except ValueError:
            if spec.day > 29 or spec.month != 2:
                raise _no_such_date(spec.text, build) from None
            continue
        if ahead(day, at, build):
            if day.year > build.today.year and 0 <= (build.today - date(build.today.year, spec.month, 1)).days < 62:
                # Just passed ("nov 24" on 25 Nov) is as likely a slip as next year: say which was taken.
                build.notes.append(f'"{spec.text}" has passed this year, so I took {format_day(day)}.')
            return day
    raise _no_such_date(spec.text, build)


def _no_such_date(text: str, build: Build) -> WhenParseError:
    return build.refuse(f'There is no such date as "{text}".', "2026-12-10", "10 dec", "dec 10", fragment=text)


def passed(text: str, instant: datetime, build: Build) -> WhenParseError:
    loc = instant.astimezone(build.tz)
    return build.refuse(
        f'That time has already passed: "{text}" was {format_day(loc.date())} at {format_clock(loc.time())}.',
        "tomorrow at 9am",
        "in 2h",
        "every day at 21:30",
    )


# --- one-offs --------------------------------------------------------------------------------------
def alt_label(day: date, at: time, build: Build) -> str:
    if day == build.today:
        return f"{format_clock(at)} today"
    if day == build.today + timedelta(days=1):
        return f"{format_clock(at)} tomorrow"
    return f"{format_short_day(day)} {format_clock(at)}"


def instant_of(day: date, at: time, build: Build) -> datetime:
    return local_to_utc(day, at, build.tz)


def note_once_gap(instant: datetime, at: time, build: Build) -> None:
    """A wall time that a clock change skips (02:30 on a spring-forward day) fires just after the gap: say so."""
    loc = instant.astimezone(build.tz)
    if loc.time().replace(tzinfo=None) != at:
        build.notes.append(
            f"{format_clock(at)} doesn't exist on {format_day(loc.date())} (the clocks go forward), "
            f"so I'll remind you at {format_clock(loc.time())}."
        )
