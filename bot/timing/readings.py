"""What a when-phrase means: its parts (bot.timing.phrases) made into one Schedule, with what was assumed.

A Reading is the schedule plus everything the person should be told: which of two readings was chosen
("at 9" at 20:08 is 21:00 tonight; 09:00 tomorrow is offered), which hour a morning is, that 02:30 does not
exist on a clock-change day, that the 31st falls on a shorter month's last day. The other likely readings
come as alternatives, so the confirmation can offer them as buttons. A phrase that cannot mean one thing is
refused with WhenParseError, quoting it and showing phrases that work. One-offs are built here; repeats in
bot.timing.repeats; the clock times and days both use in bot.timing.resolve.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.timing.phrases import Parts, ScanError, normalise, scan
from bot.timing.recurrence import Schedule, format_clock, format_day, format_short_day, next_occurrence
from bot.timing.repeats import note_gaps, read_repeat
from bot.timing.resolve import (
    DEFAULT_DATE_TIME,
    MAX_AHEAD,
    SMALL_HOURS_END,
    Alternative,
    Build,
    alt_day,
    alt_label,
    clock_times,
    instant_of,
    note_once_gap,
    passed,
    resolve_day,
)
from bot.timing.timeparse import WHEN_EXAMPLES, WhenParseError, parse_clock, parse_duration, try_examples

NIGHT_ENDS = time(6, 0)  # "tonight at 1" .. "tonight at 5:59": the small hours after the evening
_STARTERS = frozenset({"at", "on", "in", "every", "each", "until", "for", "from", "starting", "next", "this"})


@dataclass(frozen=True, slots=True)
class Reading:
    schedule: Schedule
    phrase: str
    notes: tuple[str, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    # A one-off given as a day or clock time ("tomorrow at 9am"), not a length ("in 2h"): the time on the
    # person's clock is what they meant, so a zone they set afterwards keeps it (Regimen.set_timezone).
    wall: bool = False


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
    build = Build(phrase, now, tz)
    schedule = read_repeat(parts, build) if parts.repeat is not None else _once(parts, build)
    note_gaps(schedule, build)
    wall = schedule.kind == "once" and bool(parts.clocks or parts.day is not None or parts.part is not None)
    return Reading(schedule, phrase, tuple(build.notes), tuple(build.alternatives), wall)


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


# --- one-offs --------------------------------------------------------------------------------------


def _once(parts: Parts, build: Build) -> Schedule:
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
    times, other = clock_times(parts, build, default)
    at = times[0]
    if parts.day is None:
        return _clock_only(at, other, parts, build)
    if not parts.clocks and parts.part is None:
        build.notes.append(f"No time given, so I set {format_clock(at)}.")
    if other is not None:
        day, at = _lone_hour(parts, at, other, build)
        return _once_at(day, at, build)
    if parts.part == "night" and parts.clocks and at < NIGHT_ENDS:
        day = _small_hours(parts, at, build)
    else:
        day = resolve_day(parts.day, at, build)
    if not parts.clocks and parts.part is None and instant_of(day, at, build) <= build.now:
        raise build.refuse(
            f'"{parts.day.text}" needs a time: {format_clock(at)}, the one I\'d take, has already passed.',
            f"{parts.day.text} at 18:00",
            "tonight",
            "in 2h",
            fragment=parts.day.text,
        )
    return _once_at(day, at, build)


def _lone_hour(parts: Parts, am: time, pm: time, build: Build) -> tuple[date, time]:
    """ "friday at 9", "wed at 9" said on a Wednesday afternoon: the sooner of 09:00 and 21:00 on the day named
    that is still ahead (tonight's 21:00 before next week's 09:00), the other offered."""
    assert parts.day is not None
    found: list[tuple[datetime, date, time, Build]] = []
    error: WhenParseError | None = None
    for at in (am, pm):
        scratch = Build(build.phrase, build.now, build.tz)
        try:
            day = resolve_day(parts.day, at, scratch)
        except WhenParseError as exc:
            error = error or exc
            continue
        if (instant := instant_of(day, at, build)) > build.now:
            found.append((instant, day, at, scratch))
    if not found:
        raise error or passed(build.phrase, instant_of(build.today, pm, build), build)
    found.sort(key=lambda item: item[0])
    _, day, at, chosen = found[0]
    build.notes.extend(chosen.notes)
    build.alternatives.extend(chosen.alternatives)
    if len(found) == 1:  # "today at 9" at 10:00: only the evening is still ahead
        build.notes.append(f'I read "{parts.clock_text}" as {format_clock(at)}.')
        return day, at
    other_instant, other_day, other_at, _ = found[1]
    build.alternatives.append(
        Alternative(alt_label(other_day, other_at, build), Schedule("once", once_utc=other_instant))
    )
    if other_day == day:
        build.notes.append(f'I read "{parts.clock_text}" as {format_clock(at)}, not {format_clock(other_at)}.')
    else:
        build.notes.append(
            f'I read "{parts.clock_text}" as {_say_when_day(day, at)}, the sooner of that and '
            f"{_say_when_day(other_day, other_at)}."
        )
    return day, at


def _small_hours(parts: Parts, at: time, build: Build) -> date:
    """ "tonight at 1", "friday night at 2am", "tonight at midnight": the small hours after that evening."""
    spec = parts.day
    assert spec is not None
    local_now = build.now.astimezone(build.tz)
    tonight = spec.kind == "offset" and spec.offset == 0
    if tonight and local_now.hour < SMALL_HOURS_END and instant_of(build.today, at, build) > build.now:
        # At 00:30 "tonight at 1" is the night we are in, half an hour away; the next night is offered.
        build.notes.append(f'It\'s after midnight, so I took "{build.phrase}" as {_say_when_day(build.today, at)}.')
        build.alternatives.append(alt_day(build.today + timedelta(days=1), at, build))
        return build.today
    # The day named is the evening: resolved as if its own clock time (not the next morning's) must be ahead.
    inner = Build(build.phrase, build.now if spec.kind == "offset" else build.now - timedelta(days=1), build.tz)
    evening = resolve_day(spec, at, inner)
    build.notes.extend(inner.notes)
    for alternative in inner.alternatives:
        assert alternative.schedule.once_utc is not None
        other_evening = alternative.schedule.once_utc.astimezone(build.tz).date()
        build.alternatives.append(alt_day(other_evening + timedelta(days=1), at, build))
    day = evening + timedelta(days=1)
    build.notes.append(
        f'I took "{parts.clock_text}" as the night after {format_short_day(evening)}: {_say_when_day(day, at)}.'
    )
    return day


def _say_when_day(day: date, at: time) -> str:
    return f"{format_clock(at)} on {format_day(day)}"


def _clock_only(at: time, other: time | None, parts: Parts, build: Build) -> Schedule:
    """ "at 9", "9pm", "at noon", "in the evening": the next time that clock comes round."""
    first = next_occurrence(Schedule("daily", at=at), build.now, build.tz)
    assert first is not None
    if other is None:
        note_once_gap(first, at, build)
        _offer_evening_reading(first, at, parts, build)
        return Schedule("once", once_utc=first)
    second = next_occurrence(Schedule("daily", at=other), build.now, build.tz)
    assert second is not None
    chosen, rejected = (first, second) if first <= second else (second, first)
    build.notes.append(f'I read "{parts.clock_text}" as {_say_when(chosen, build)}, the sooner of the two.')
    rejected_local = rejected.astimezone(build.tz)
    label = alt_label(rejected_local.date(), rejected_local.time(), build)
    build.alternatives.append(Alternative(label, Schedule("once", once_utc=rejected)))
    note_once_gap(chosen, at if chosen == first else other, build)
    return Schedule("once", once_utc=chosen)


def _offer_evening_reading(first: datetime, at: time, parts: Parts, build: Build) -> None:
    """ "at 7:30" is a 24-hour time (07:30), but at 14:30 the person may mean 19:30 tonight: say which was taken
    and offer the other when it comes sooner. A lone hour ("at 7") is chosen by which is sooner instead."""
    if len(parts.clocks) != 1 or parts.part is not None:
        return
    c = parts.clocks[0]
    if c.meridiem or c.named or c.bare or not 1 <= c.hour <= 11:
        return
    evening = next_occurrence(Schedule("daily", at=time(c.hour + 12, c.minute, c.second)), build.now, build.tz)
    if evening is None or evening >= first:
        return
    build.notes.append(
        f'I read "{parts.clock_text}" as {_say_when(first, build)} (24-hour); '
        f"{_say_when(evening, build)} is the other reading."
    )
    loc = evening.astimezone(build.tz)
    build.alternatives.append(Alternative(alt_label(loc.date(), loc.time(), build), Schedule("once", once_utc=evening)))


def _say_when(instant: datetime, build: Build) -> str:
    loc = instant.astimezone(build.tz)
    day = (
        "today"
        if loc.date() == build.today
        else "tomorrow"
        if loc.date() == build.today + timedelta(days=1)
        else (format_day(loc.date()))
    )
    return f"{format_clock(loc.time())} {day}"


def _relative(parts: Parts, build: Build) -> Schedule:
    assert parts.relative is not None
    if parts.relative_days is not None and parts.day is None and (parts.clocks or parts.part):
        # "in 2 days at 9": a day two days from today, at that time.
        day = build.today + timedelta(days=parts.relative_days)
        times, other = clock_times(parts, build, None)
        if len(times) > 1:
            raise build.refuse(f'"{parts.clock_text}" gives several times for a one-off.', "in 2 days at 9:00")
        if other is not None:
            build.alternatives.append(Alternative(alt_label(day, other, build), _once_at(day, other, build)))
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
    if parts.relative_days is not None:
        # "in 3 days", "in 2 weeks": the same clock time that many days on, across a clock change too.
        day = build.today + timedelta(days=parts.relative_days)
        return _once_at(day, build.now.astimezone(build.tz).time().replace(tzinfo=None), build)
    return Schedule("once", once_utc=build.now.astimezone(UTC) + parts.relative)


def _once_at(day: date, at: time, build: Build) -> Schedule:
    instant = instant_of(day, at, build)
    if instant <= build.now:
        raise passed(build.phrase, instant, build)
    note_once_gap(instant, at, build)
    return Schedule("once", once_utc=instant)


__all__ = ["SMALL_HOURS_END", "Alternative", "Reading", "parse_when", "read_when"]
