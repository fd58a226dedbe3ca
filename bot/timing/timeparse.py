"""Human phrases ("every mon,thu at 20:00", "in 10m", "tomorrow at 9am") to Schedules.

Every failure raises WhenParseError with a message meant for the user as-is: it quotes what was not
understood and shows phrases that work. `now` is always passed in (aware); nothing reads the host zone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.timing.recurrence import Schedule, format_clock, format_day, local_to_utc, next_occurrence

# A date given without a time ("on 2026-12-10", "tomorrow") means this time of day.
DEFAULT_DATE_TIME = time(9, 0)
MAX_EVERY_DAYS = 365
MAX_EVERY_WEEKS = 52
MAX_WHEN_TOKENS = 24  # split_what_when looks for the when-phrase only in this many trailing words
MAX_AHEAD = timedelta(days=3660)  # ~10 years: further out is almost surely a typo
_MAX_YEARS_AHEAD = 100

WHEN_EXAMPLES = ("in 30m", "tomorrow at 9am", "every mon,thu at 20:00", "on 10 dec at 9:00")
_REMIND_EXAMPLES = (
    "/remind stretch in 10m",
    "/remind exfoliate back every mon,thu at 20:00",
    "/remind cream tomorrow at 9am",
)
EMPTY_WHAT_MESSAGE = "What should I remind you about? e.g. /remind stretch in 10m"


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


def _try(*examples: str) -> str:
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
_DUR_PART = re.compile(
    r"\s*(?:(?:and|,)\s*)?(?:(?P<num>\d+(?:\.\d+)?)\s*|(?P<article>an?)\s+)(?P<unit>[a-z]+)", re.I
)
_DUR_EXAMPLES = ("30s", "10m", "2h", "1h30m")


def parse_duration(text: str) -> timedelta:
    """Parse "30s", "10m", "2h", "3d", "1h30m", "90 min", "15 minutes", "1 hour" -> timedelta (> 0)."""
    s = _squash(text)
    if s.isdecimal():
        raise WhenParseError(
            f'"{s}" needs a unit. {_try(s + "m", s + "s", s + "h")}', fragment=s, definite=True
        )
    total = 0.0
    pos = 0
    while pos < len(s) or pos == 0:
        m = _DUR_PART.match(s, pos)
        if m is None or m["unit"].lower() not in _UNIT_SECONDS:
            raise WhenParseError(
                f'I couldn\'t read "{s}" as a length of time. {_try(*_DUR_EXAMPLES)}', fragment=s
            )
        amount = 1.0 if m["article"] else float(m["num"])
        total += amount * _UNIT_SECONDS[m["unit"].lower()]
        pos = m.end()
    if total <= 0:
        raise WhenParseError(f'"{s}" is no time at all. {_try("10m", "2h")}', fragment=s, definite=True)
    # Checked before building the timedelta, which would overflow on absurd input like "99999999999d".
    if total > MAX_AHEAD.total_seconds():
        raise WhenParseError(
            f'"{s}" is too far ahead; the most is about 10 years. {_try("3d", "2w")}',
            fragment=s,
            definite=True,
        )
    return timedelta(seconds=total)


# --- clock times -----------------------------------------------------------------------------------

_CLOCK = re.compile(
    r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2})(?::(?P<s>\d{2}))?)?\s*(?:(?P<ap>[ap])\.?m\.?)?", re.I
)
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
        raise WhenParseError(
            f'"{s}" isn\'t a time I understand. {_try(*_CLOCK_EXAMPLES)}', fragment=s
        )
    hour, minute, second = int(m["h"]), int(m["m"] or 0), int(m["s"] or 0)
    if m["ap"]:
        if not 1 <= hour <= 12:
            raise WhenParseError(
                f'"{s}" mixes 24-hour and am/pm. {_try("9pm", "21:00")}', fragment=s, definite=True
            )
        hour = hour % 12 + (12 if m["ap"].lower() == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise WhenParseError(
            f'"{s}" isn\'t a valid time: hours run 0-23 and minutes 0-59. {_try("21:30", "9:15pm")}',
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


def _day_index(token: str) -> int | None:
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
            a, b = _day_index(lo), _day_index(hi)
            if a is not None and b is not None:
                # Wraps past Sunday, so "fri-mon" is Fri, Sat, Sun, Mon.
                days.update((a + i) % 7 for i in range((b - a) % 7 + 1))
                continue
        index = _day_index(token)
        if index is None:
            raise WhenParseError(
                f'"{token}" isn\'t a day I know. {_try(*_DAY_EXAMPLES)}', fragment=token
            )
        days.add(index)
    if not days:
        raise WhenParseError(f"Which days? {_try(*_DAY_EXAMPLES)}", fragment=s)
    return tuple(sorted(days))


# --- dates -----------------------------------------------------------------------------------------

_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTHS: dict[str, int] = {
    **{name: i for i, name in enumerate(_MONTH_NAMES, start=1)},
    **{name[:3]: i for i, name in enumerate(_MONTH_NAMES, start=1)},
    "sept": 9,
}

_ISO_DATE = re.compile(r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})")
_DAY_MONTH = re.compile(
    r"(?:the )?(?P<d>\d{1,2})(?:st|nd|rd|th)? ?(?:of )?(?P<mon>[a-z]+)\.?(?:,? (?P<y>\d{4}))?", re.I
)
_MONTH_DAY = re.compile(r"(?P<mon>[a-z]+)\.? ?(?P<d>\d{1,2})(?:st|nd|rd|th)?(?:,? (?P<y>\d{4}))?", re.I)
_NUMERIC_DATE = re.compile(r"\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?")
_DATE_EXAMPLES = ("2026-12-10", "10 dec", "dec 10")


def _fmt_local(instant: datetime, tz: tzinfo) -> str:
    loc = instant.astimezone(tz)
    return f"{format_day(loc.date())} at {format_clock(loc.time())}"


def _future_once(day: date, at: time, now: datetime, tz: tzinfo, phrase: str) -> Schedule:
    instant = local_to_utc(day, at, tz)
    if instant <= now:
        raise WhenParseError(
            f'That time has already passed: "{phrase}" was {_fmt_local(instant, tz)}. '
            f"{_try('tomorrow at 9am', 'in 2h', 'every day at 21:30')}",
            fragment=phrase,
            definite=True,
        )
    return Schedule("once", once_utc=instant)


def _no_such_date(frag: str) -> WhenParseError:
    return WhenParseError(
        f'There is no such date as "{frag}". {_try(*_DATE_EXAMPLES)}', fragment=frag, definite=True
    )


def _once_on(frag: str, at: time, now: datetime, tz: tzinfo, phrase: str) -> Schedule:
    """A once schedule for "on <frag>": an ISO date, "10 dec [2026]", "dec 10", or a weekday name."""
    today = now.astimezone(tz).date()
    if m := _ISO_DATE.fullmatch(frag):
        try:
            day = date(int(m["y"]), int(m["mo"]), int(m["d"]))
        except ValueError:
            raise _no_such_date(frag) from None
        return _checked_year(day, today, frag, at, now, tz, phrase)
    weekday = _day_index(frag) if not frag.lower().endswith("s") else _DAY_NAMES.get(frag.lower())
    if weekday is not None:
        # "on friday at 18:00": the next Friday whose 18:00 is still ahead (possibly today).
        weekly = Schedule("weekly", at=at, weekdays=(weekday,))
        instant = next_occurrence(weekly, now, tz)
        assert instant is not None
        return Schedule("once", once_utc=instant)
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        m = pattern.fullmatch(frag)
        if m is None or m["mon"].lower() not in _MONTHS:
            continue
        month, dom = _MONTHS[m["mon"].lower()], int(m["d"])
        if m["y"]:
            try:
                day = date(int(m["y"]), month, dom)
            except ValueError:
                raise _no_such_date(frag) from None
            return _checked_year(day, today, frag, at, now, tz, phrase)
        # No year: the next time that date comes round. Nine years always include a 29 Feb.
        for year in range(today.year, today.year + 9):
            try:
                day = date(year, month, dom)
            except ValueError:
                continue
            if local_to_utc(day, at, tz) > now:
                return Schedule("once", once_utc=local_to_utc(day, at, tz))
        raise _no_such_date(frag)
    if _NUMERIC_DATE.fullmatch(frag):
        # 10/12 is 10 Dec in most places and Oct 12 in the US: refuse to guess.
        raise WhenParseError(
            f'"{frag}" could be day/month or month/day. {_try(*_DATE_EXAMPLES)}',
            fragment=frag,
            definite=True,
        )
    raise WhenParseError(f'I couldn\'t read "{frag}" as a date. {_try(*_DATE_EXAMPLES)}', fragment=frag)


def _checked_year(
    day: date, today: date, frag: str, at: time, now: datetime, tz: tzinfo, phrase: str
) -> Schedule:
    if day.year > today.year + _MAX_YEARS_AHEAD:
        raise WhenParseError(
            f'"{frag}" is too far ahead. {_try(*_DATE_EXAMPLES)}', fragment=frag, definite=True
        )
    return _future_once(day, at, now, tz, phrase)


# --- whole phrases ---------------------------------------------------------------------------------

Rule = Callable[[re.Match[str], str, datetime, tzinfo], Schedule]


def _clock_or(m: re.Match[str], default: time | None, phrase: str) -> time:
    if m["clock"]:
        return parse_clock(m["clock"])
    if default is not None:
        return default
    raise WhenParseError(
        f'I need a time of day for "{phrase}". Please add one, like "{phrase} at 20:00".',
        fragment=phrase,
        definite=True,
    )


def _count(m: re.Match[str], unit: str, limit: int, example: str) -> int:
    if m["n"] is None:
        # "every other day/week", "biweekly", "fortnightly" mean every 2.
        return 2 if m["other"] or m.groupdict().get("bi") else 1
    n = int(m["n"])
    if not 1 <= n <= limit:
        frag = f"every {m['n']} {unit}"
        reason = "the number must be at least 1" if n < 1 else f"the most is {limit}"
        raise WhenParseError(f'"{frag}" doesn\'t work: {reason}. {_try(example)}', fragment=frag, definite=True)
    return n


def _in(m: re.Match[str], phrase: str, now: datetime, tz: tzinfo) -> Schedule:
    return Schedule("once", once_utc=now.astimezone(UTC) + parse_duration(m["dur"]))


def _at(m: re.Match[str], phrase: str, now: datetime, tz: tzinfo) -> Schedule:
    # Today if still ahead, otherwise tomorrow: exactly the next firing of a daily schedule.
    instant = next_occurrence(Schedule("daily", at=parse_clock(m["clock"])), now, tz)
    assert instant is not None
    return Schedule("once", once_utc=instant)


def _day_word(m: re.Match[str], phrase: str, now: datetime, tz: tzinfo) -> Schedule:
    day = now.astimezone(tz).date() + timedelta(days=1 if m["day"].lower() == "tomorrow" else 0)
    return _future_once(day, _clock_or(m, DEFAULT_DATE_TIME, phrase), now, tz, phrase)


def _on(m: re.Match[str], phrase: str, now: datetime, tz: tzinfo) -> Schedule:
    return _once_on(m["date"], _clock_or(m, DEFAULT_DATE_TIME, phrase), now, tz, phrase)


def _first_day_ahead(at: time, weekdays: tuple[int, ...], now: datetime, tz: tzinfo) -> date:
    """The first local date (today or later) on one of `weekdays` whose `at` is still ahead."""
    today = now.astimezone(tz).date()
    for offset in range(8):
        day = today + timedelta(days=offset)
        if day.weekday() in weekdays and local_to_utc(day, at, tz) > now:
            return day
    raise AssertionError("unreachable: some listed weekday falls within 8 days")


def _daily(m: re.Match[str], phrase: str, now: datetime, tz: tzinfo) -> Schedule:
    return Schedule("daily", at=_clock_or(m, None, phrase))


def _every_n_days(m: re.Match[str], phrase: str, now: datetime, tz: tzinfo) -> Schedule:
    n = _count(m, "days", MAX_EVERY_DAYS, "every 3 days at 8:00")
    at = _clock_or(m, None, phrase)
    if n == 1:
        return Schedule("daily", at=at)
    # The series starts on the first day whose time is still ahead, so the first reminder is the next one.
    return Schedule("interval", at=at, every=n, anchor=_first_day_ahead(at, (0, 1, 2, 3, 4, 5, 6), now, tz))


def _every_n_weeks(m: re.Match[str], phrase: str, now: datetime, tz: tzinfo) -> Schedule:
    n = _count(m, "weeks", MAX_EVERY_WEEKS, "every 2 weeks on sat at 10:00")
    if not m["days"]:
        raise WhenParseError(
            f'Which day for "{phrase}"? Add one, like "every 2 weeks on sat at 10:00" '
            'or "every week on sun at 19:00".',
            fragment=phrase,
            definite=True,
        )
    days = parse_days(m["days"])
    at = _clock_or(m, None, phrase)
    if n == 1:
        return Schedule("weekly", at=at, weekdays=days)
    # Week 0 is the ISO week of the first firing, so the next matching day always fires.
    return Schedule("weekly", at=at, weekdays=days, every=n, anchor=_first_day_ahead(at, days, now, tz))


def _every_days(m: re.Match[str], phrase: str, now: datetime, tz: tzinfo) -> Schedule:
    days = parse_days(m["days"])
    at = _clock_or(m, None, phrase)
    if len(days) == 7:
        return Schedule("daily", at=at)
    return Schedule("weekly", at=at, weekdays=days)


_AT = r"(?: at (?P<clock>.+))?"
_RULES: tuple[tuple[re.Pattern[str], Rule], ...] = tuple(
    (re.compile(pattern, re.I), rule)
    for pattern, rule in (
        (r"in (?P<dur>.+)", _in),
        (r"at (?P<clock>.+)", _at),
        (r"(?P<day>today|tomorrow)" + _AT, _day_word),
        (r"on (?P<date>.+?)" + _AT, _on),
        (r"(?:every ?day|each day|daily)" + _AT, _daily),
        (r"every (?:(?P<n>\d+) days?|(?P<other>other) day)" + _AT, _every_n_days),
        # (?!at ) keeps "every week at 19:00" from reading "at 19:00" as the days.
        (
            r"(?:every (?:(?P<n>\d+) weeks?|(?P<other>other) week|week)|weekly|(?P<bi>bi-?weekly|fortnightly))"
            r"(?: (?:on )?(?!at )(?P<days>.+?))?" + _AT,
            _every_n_weeks,
        ),
        (r"every (?!at )(?P<days>.+?)" + _AT, _every_days),
    )
)
# "at 20:00 every mon,thu" / "at 9am tomorrow": the clock first is rewritten to the usual order.
_CLOCK_FIRST = re.compile(
    r"at (?P<clock>\S+(?: [ap]\.?m\.?)?) (?P<rest>today|tomorrow|daily|weekly|(?:every|on) .+)", re.I
)


def parse_when(text: str, now: datetime, tz: tzinfo) -> Schedule:
    """Parse a when-phrase relative to `now` (aware) in the user's zone `tz`. Raises WhenParseError."""
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    phrase = _squash(text).rstrip(".!")
    if not phrase:
        raise WhenParseError(f"When should I remind you? {_try(*WHEN_EXAMPLES)}")
    # Rules match the usual word order; messages still quote what the user wrote.
    ordered = phrase
    if m := _CLOCK_FIRST.fullmatch(phrase):
        ordered = f"{m['rest']} at {m['clock']}"
    for pattern, rule in _RULES:
        if m := pattern.fullmatch(ordered):
            return rule(m, phrase, now, tz)
    raise WhenParseError(f'I didn\'t understand "{phrase}". {_try(*WHEN_EXAMPLES)}', fragment=phrase)


_WHEN_STARTERS = frozenset(
    {"in", "at", "on", "today", "tomorrow", "every", "everyday", "daily", "weekly", "biweekly",
     "bi-weekly", "fortnightly", "each"}
)


def split_what_when(text: str, now: datetime, tz: tzinfo) -> tuple[str, Schedule]:
    """Split "/remind <what> <when>" arguments, e.g. "exfoliate back every mon,thu at 20:00".

    The when-phrase starts at the earliest token from which the rest parses. One exception: if an
    earlier token starts something recognisably meant as a time but invalid ("on 2020-01-01 at 09:00"
    is past, "at 25:00"), that error is raised rather than quietly using a later, shorter phrase
    ("at 09:00") and leaving the rest in the reminder text.
    """
    tokens = text.split()
    if not tokens:
        raise WhenParseError(EMPTY_WHAT_MESSAGE)
    first_keyword_error: WhenParseError | None = None
    every_error: tuple[str, WhenParseError] | None = None
    # Real when-phrases are short; bounding their length keeps a 4000-character message cheap.
    for i in range(max(0, len(tokens) - MAX_WHEN_TOKENS), len(tokens)):
        try:
            schedule = parse_when(" ".join(tokens[i:]), now, tz)
        except WhenParseError as exc:
            if exc.definite:
                raise
            if first_keyword_error is None and tokens[i].lower() in _WHEN_STARTERS:
                first_keyword_error = exc
            if every_error is None and tokens[i].lower() == "every":
                every_error = (" ".join(tokens[i:]), exc)
            continue
        if every_error is not None:
            # "every funday at 9" was meant as a repeat: never quietly turn it into a one-off "at 9".
            phrase, cause = every_error
            raise WhenParseError(f'I couldn\'t understand "{phrase[:60]}". {cause.message}', fragment=phrase)
        what = " ".join(tokens[:i]).strip(" ,;:-")
        if not what:
            raise WhenParseError(EMPTY_WHAT_MESSAGE)
        return what, schedule
    squashed = " ".join(tokens)
    if len(squashed) > 80:
        squashed = squashed[:79] + "…"  # quote enough to recognise, not a whole essay
    if first_keyword_error is not None:
        raise WhenParseError(
            f'I couldn\'t work out when in "{squashed}". {first_keyword_error.message}', fragment=squashed
        )
    raise WhenParseError(
        f'I couldn\'t find when to remind you in "{squashed}". Put it at the end, e.g. '
        + ", ".join(_REMIND_EXAMPLES[:-1])
        + f" or {_REMIND_EXAMPLES[-1]}.",
        fragment=squashed,
    )
