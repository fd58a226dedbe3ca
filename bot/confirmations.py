"""How the core words what it understood of a time: the confirmation of a new or changed reminder, and the
question it asks when words about time were left in a reminder's name."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from bot.timing.quiet import quiet_until
from bot.timing.readings import Reading
from bot.timing.recurrence import Schedule, describe, format_short_day, instant_clock, upcoming
from bot.timing.remind_split import RemindRequest

SHOWN_TIMES = 3
MAX_WALK = 1000  # ~3 years of a daily reminder: enough to name the last one, cheap to find


def short_time(instant: datetime, tz: tzinfo) -> str:
    """ "Thu 3 Dec 20:00" in the person's zone: weekday and date, so a misreading shows at once."""
    loc = instant.astimezone(tz)
    return f"{format_short_day(loc.date())} {instant_clock(loc)}"


def next_times(schedule: Schedule, now: datetime, tz: tzinfo) -> str:
    times = upcoming(schedule, now, tz, SHOWN_TIMES + 1)
    shown = ", ".join(short_time(t, tz) for t in times[:SHOWN_TIMES])
    if schedule.kind != "once" and len(times) <= SHOWN_TIMES:
        return f"{shown} (the last)" if len(times) > 1 else f"{shown} (the only one)"
    return shown


def _last_time(schedule: Schedule, now: datetime, tz: tzinfo) -> datetime | None:
    """The final firing of a repeat that ends, walking at most MAX_WALK firings (the end date is said anyway)."""
    if schedule.ends is None:
        return None
    found = upcoming(schedule, now, tz, MAX_WALK + 1)
    return found[-1] if found and len(found) <= MAX_WALK else None


def confirmation_lines(
    title: str,
    schedule: Schedule,
    reading: Reading | None,
    now: datetime,
    tz: tzinfo,
    zone_name: str,
    quiet: str | None = None,
) -> list[str]:
    """ "Reminder 3 set: ...", when in words, the next three times, then whatever was assumed."""
    lines = [title, f"When: {describe(schedule, tz)}", f"Next: {next_times(schedule, now, tz)} ({zone_name})"]
    last = _last_time(schedule, now, tz)
    if last is not None and schedule.kind != "once" and last not in upcoming(schedule, now, tz, SHOWN_TIMES):
        lines.append(f"Last one: {short_time(last, tz)}; after it the reminder is finished.")
    if reading is not None:
        lines.extend(reading.notes)
    lines.extend(_quiet_notes(schedule, now, tz, quiet))
    return lines


def _quiet_notes(schedule: Schedule, now: datetime, tz: tzinfo, quiet: str | None) -> list[str]:
    """Say so when one of the next times falls in the person's quiet hours: it will come when they end."""
    for instant in upcoming(schedule, now, tz, SHOWN_TIMES):
        ends = quiet_until(instant.timestamp(), quiet, tz)
        if ends is not None:
            held = short_time(instant, tz)
            arrives = short_time(datetime.fromtimestamp(ends, tz=UTC), tz)
            return [
                f"{held} falls in your quiet hours ({quiet}), so that one arrives when they end, {arrives}. "
                "Change them with /quiet."
            ]
    return []


def ask_lines(request: RemindRequest, now: datetime, tz: tzinfo) -> list[str]:
    quoted = " and ".join(f'"{w}"' for w in request.time_words)
    verb = "sounds" if len(request.time_words) == 1 else "sound"
    lines = [f"{quoted} in the reminder's name {verb} like a time, so I'd rather ask than guess."]
    for folded in request.folded:
        lines.append(f'• "{folded.what}" {describe(folded.reading.schedule, tz)}')
    lines.append(
        f'• or keep the name "{request.what}": {describe(request.reading.schedule, tz)} '
        f"(next {short_time(_first(request.reading.schedule, now, tz), tz)})"
    )
    lines.append("Which did you mean?")
    return lines


def _first(schedule: Schedule, now: datetime, tz: tzinfo) -> datetime:
    found = upcoming(schedule, now, tz, 1)
    return found[0] if found else now


def folded_label(schedule: Schedule, now: datetime, tz: tzinfo) -> str:
    return short_time(_first(schedule, now, tz), tz) if schedule.kind == "once" else describe(schedule, tz)[:40]


def exfoliation_question(total: float, others: float, gentler: Schedule | None, tz: tzinfo, sure: str) -> str:
    across = f", {others:g} of them in your other exfoliation reminders" if others else ""
    lines = [
        f"That's {total:g} times a week{across}. Exfoliating more than 2-3 times a week can irritate the skin and "
        "make things worse. A couple of times a week is what's recommended.",
    ]
    if gentler is not None:
        lines.append(f"A gentler choice: {describe(gentler, tz)}.")
    elif others:
        lines.append("Your other exfoliation reminders already make up the week: see /reminders.")
    lines.append(f"Nothing is saved until you choose. If you're sure, add '!': {sure}")
    return "\n".join(lines)


def early_question(number: int, text: str, when: str, word: str) -> str:
    return f"Reminder {number} ({text}) isn't due yet: the next time is {when}. Mark that one {word} now?"
