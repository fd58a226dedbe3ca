"""The small pieces of time phrases, each with its own friendly error: durations, clock times, weekdays.

Whole when-phrases are read by bot.timing.readings (which builds on bot.timing.phrases). Every failure
raises WhenParseError with a message meant for the user as-is: it quotes what was not understood and shows
phrases that work.
"""

from __future__ import annotations

import re
from datetime import time, timedelta

MAX_AHEAD = timedelta(days=3660)  # ~10 years: further out is almost surely a typo

WHEN_EXAMPLES = ("in 30m", "tomorrow at 9am", "every mon,thu at 20:00", "on 10 dec at 9:00")


class WhenParseError(ValueError):
    """A phrase that could not be turned into a schedule.

    `message` is friendly, quotes exactly what was not understood and gives 2-4 examples that work.
    `definite` is True when the phrase was recognisably a time expression but its values are wrong
    (a past time, 25:00, 30 Feb, "every 0 days"); split_what_when reports those instead of looking
    for a shorter phrase later in the text.
    """

    def __init__(self, message: str, *, fragment: str | None = None, definite: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.fragment = fragment
        self.definite = definite


def try_examples(*examples: str) -> str:
    quoted = [f'"{e}"' for e in examples]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f"Try {listed}."


def _squash(text: str) -> str:
    return " ".join(text.split())


# --- durations -------------------------------------------------------------------------------------

_UNIT_SECONDS: dict[str, int] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), 604800),
}
# One "<number><unit>" part; parts may be joined by spaces, "," or "and" ("1 hour and 30 minutes").
_DUR_PART = re.compile(r"\s*(?:(?:and|,)\s*)?(?:(?P<num>\d+(?:\.\d+)?)\s*|(?P<article>an?)\s+)(?P<unit>[a-z]+)", re.I)
_DUR_EXAMPLES = ("30s", "10m", "2h", "1h30m")


def parse_duration(text: str) -> timedelta:
    """Parse "30s", "10m", "2h", "3d", "1h30m", "90 min", "15 minutes", "1 hour" -> timedelta (> 0)."""
    s = _squash(text)
    if s.isdecimal():
        raise WhenParseError(
            f'"{s}" needs a unit. {try_examples(s + "m", s + "s", s + "h")}', fragment=s, definite=True
        )
    total = 0.0
    pos = 0
    while pos < len(s) or pos == 0:
        m = _DUR_PART.match(s, pos)
        if m is None or m["unit"].lower() not in _UNIT_SECONDS:
            raise WhenParseError(
                f'I couldn\'t read "{s}" as a length of time. {try_examples(*_DUR_EXAMPLES)}', fragment=s
            )
        amount = 1.0 if m["article"] else float(m["num"])
        total += amount * _UNIT_SECONDS[m["unit"].lower()]
        pos = m.end()
    if total <= 0:
        raise WhenParseError(f'"{s}" is no time at all. {try_examples("10m", "2h")}', fragment=s, definite=True)
    # Checked before building the timedelta, which would overflow on absurd input like "99999999999d".
    if total > MAX_AHEAD.total_seconds():
        raise WhenParseError(
            f'"{s}" is too far ahead; the most is about 10 years. {try_examples("3d", "2w")}',
            fragment=s,
            definite=True,
        )
    return timedelta(seconds=total)


# --- clock times -----------------------------------------------------------------------------------

_CLOCK = re.compile(r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2})(?::(?P<s>\d{2}))?)?\s*(?:(?P<ap>[ap])\.?m\.?)?", re.I)
_NAMED_CLOCKS = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}
_CLOCK_EXAMPLES = ("21:30", "9am", "9:15pm", "noon")


def parse_clock(text: str) -> time:
    """Parse "21:30", "9am", "9:15pm", "7" (07:00), "07:00", "noon", "midnight" -> naive time."""
    s = _squash(text)
    named = _NAMED_CLOCKS.get(s.lower())
    if named is not None:
        return named
    m = _CLOCK.fullmatch(s)
    if m is None:
        raise WhenParseError(f'"{s}" isn\'t a time I understand. {try_examples(*_CLOCK_EXAMPLES)}', fragment=s)
    hour, minute, second = int(m["h"]), int(m["m"] or 0), int(m["s"] or 0)
    if m["ap"]:
        if not 1 <= hour <= 12:
            raise WhenParseError(
                f'"{s}" mixes 24-hour and am/pm. {try_examples("9pm", "21:00")}', fragment=s, definite=True
            )
        hour = hour % 12 + (12 if m["ap"].lower() == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise WhenParseError(
            f'"{s}" isn\'t a valid time: hours run 0-23 and minutes 0-59. {try_examples("21:30", "9:15pm")}',
            fragment=s,
            definite=True,
        )
    return time(hour, minute, second)


# --- days of the week ------------------------------------------------------------------------------

_DAY_NAMES: dict[str, int] = {
    **dict.fromkeys(("mon", "monday"), 0),
    **dict.fromkeys(("tue", "tues", "tuesday"), 1),
    **dict.fromkeys(("wed", "weds", "wednesday"), 2),
    **dict.fromkeys(("thu", "thur", "thurs", "thursday"), 3),
    **dict.fromkeys(("fri", "friday"), 4),
    **dict.fromkeys(("sat", "saturday"), 5),
    **dict.fromkeys(("sun", "sunday"), 6),
}
_DAY_GROUPS: dict[str, tuple[int, ...]] = {
    **dict.fromkeys(("weekday", "weekdays"), (0, 1, 2, 3, 4)),
    **dict.fromkeys(("weekend", "weekends"), (5, 6)),
    **dict.fromkeys(("daily", "everyday"), (0, 1, 2, 3, 4, 5, 6)),
}
_DAY_EXAMPLES = ("mon,thu", "monday and thursday", "weekdays", "weekends")


def day_index(token: str) -> int | None:
    """0 (Mon) .. 6 (Sun) for a day name, short or long, singular or plural ("mondays"); None otherwise."""
    t = token.lower().rstrip(".")
    if t in _DAY_NAMES:
        return _DAY_NAMES[t]
    # Plurals: "mondays and thursdays".
    return _DAY_NAMES.get(t[:-1]) if t.endswith("s") else None


def parse_days(text: str) -> tuple[int, ...]:
    """Parse "mon,thu", "mon thu", "monday and thursday", "mon-fri", "weekdays", "weekends", "daily"
    -> sorted unique weekday numbers (0=Mon)."""
    s = _squash(text)
    days: set[int] = set()
    # Ranges like "mon - fri" are glued first so the split below keeps them whole.
    for token in re.split(r"[\s,&+/]+", re.sub(r"\s*-\s*", "-", s)):
        if not token or token.lower() == "and":
            continue
        group = _DAY_GROUPS.get(token.lower())
        if group is not None:
            days.update(group)
            continue
        if "-" in token:
            lo, _, hi = token.partition("-")
            a, b = day_index(lo), day_index(hi)
            if a is not None and b is not None:
                # Wraps past Sunday, so "fri-mon" is Fri, Sat, Sun, Mon.
                days.update((a + i) % 7 for i in range((b - a) % 7 + 1))
                continue
        index = day_index(token)
        if index is None:
            raise WhenParseError(f'"{token}" isn\'t a day I know. {try_examples(*_DAY_EXAMPLES)}', fragment=token)
        days.add(index)
    if not days:
        raise WhenParseError(f"Which days? {try_examples(*_DAY_EXAMPLES)}", fragment=s)
    return tuple(sorted(days))
