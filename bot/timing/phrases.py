"""The words of a when-phrase: a scanner that cuts "next friday at 6pm for 3 weeks" into its parts.

A when-phrase is a few parts in any order: a repeat ("every mon,thu", "monthly", "twice a day"), a day
("tomorrow", "next friday", "on the 15th", "2027-01-10"), a part of the day ("tonight", "in the morning"),
clock times ("at 8:00 and 20:00", "9pm"), a relative time ("in 10m"), an end ("for 6 weeks", "until
2027-03-01", "10 times") and a start ("starting monday"). This module only recognises the parts and their
raw values; `bot.timing.readings` decides what they mean together. Everything is regular expressions
anchored at the scan position, so the cost is linear in the phrase and a phrase is at most a few dozen words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from bot.timing.timeparse import day_index, parse_duration

# --- vocabulary ------------------------------------------------------------------------------------

WEEKDAY_RE = (
    r"(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:s|nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?"
    r"|sun(?:day)?)"
)
MONTH_RE = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
MONTHS: dict[str, int] = {
    name: i
    for i, names in enumerate(
        (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
         ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
         ("oct", "october"), ("nov", "november"), ("dec", "december")),
        start=1,
    )
    for name in names
}  # fmt: skip
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "once": 1, "twice": 2, "thrice": 3,
}  # fmt: skip
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
_NUM = r"(?:\d{1,4}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_ORD = r"(?:(?P<{g}>\d{{1,2}})(?:st|nd|rd|th)?|(?P<{g}w>first|second|third|fourth|fifth|last))"
DAY_PARTS = ("morning", "afternoon", "evening", "night")


def number(word: str) -> int:
    return int(word) if word.isdecimal() else NUMBER_WORDS[word]


def ordinal_value(digits: str | None, word: str | None) -> int:
    return int(digits) if digits else ORDINALS[word or ""]


# --- the parts -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Clock:
    hour: int
    minute: int
    second: int
    meridiem: str | None  # "a" / "p" when written, else None
    named: bool  # noon, midnight: never ambiguous
    text: str

    @property
    def bare(self) -> bool:
        """A lone hour like "at 9": 09:00 or 21:00."""
        return self.meridiem is None and not self.named and ":" not in self.text and "." not in self.text


@dataclass(frozen=True, slots=True)
class DateSpec:
    """A calendar day as written; resolved against "now" later."""

    kind: str  # "offset" (today=0), "weekday", "date", "monthday", "month_weekday", "weekend", "week", "month"
    text: str
    offset: int = 0
    weekdays: tuple[int, ...] = ()
    year: int | None = None
    month: int | None = None
    day: int | None = None  # monthday: 1..31 or -1 (last day)
    week: int = 0  # month_weekday: 1..5 or -1
    next_: bool = False  # "next friday", "next weekend"
    this: bool = False  # "this friday"
    ambiguous_numeric: bool = False  # "10/12": day/month or month/day


@dataclass(frozen=True, slots=True)
class Repeat:
    kind: str  # "daily", "weekly", "interval", "monthly"
    text: str
    every: int = 1
    weekdays: tuple[int, ...] = ()
    part: str | None = None  # "every night": a part of the day
    per_day: int = 0  # "twice a day": how many times each day


@dataclass(frozen=True, slots=True)
class End:
    kind: str  # "for" (a length), "until" (a day), "count" (a number of times)
    text: str
    length_days: int = 0
    length_months: int = 0
    until: DateSpec | None = None
    until_clock: Clock | None = None  # "until sat 12 dec 2026 09:00": the last moment, when a time is given
    count: int = 0


@dataclass(slots=True)
class Parts:
    """What the scanner found; each kind at most once (the clock may be a list)."""

    relative: timedelta | None = None
    relative_days: int | None = None  # "in 3 days", "in 2 weeks": whole days, so a clock may be added
    relative_text: str = ""
    clocks: tuple[Clock, ...] = ()
    clock_text: str = ""
    part: str | None = None
    part_text: str = ""
    day: DateSpec | None = None
    repeat: Repeat | None = None
    end: End | None = None
    start: DateSpec | None = None
    seen: list[str] = field(default_factory=list)


class ScanError(ValueError):
    """The phrase has words that are not a when-part: `rest` is where the scan stopped."""

    def __init__(self, rest: str, reason: str = "") -> None:
        super().__init__(rest)
        self.rest = rest
        self.reason = reason


# --- regular expressions ---------------------------------------------------------------------------

_B = r"(?=$|[ ,])"  # a part ends at a space, a comma or the end
_DAYLIST = WEEKDAY_RE + r"s?(?:(?:\s*[,/&+]\s*|\s+(?:and|or|&)\s+|\s*-\s*|\s+)" + WEEKDAY_RE + r"s?)*"

_CLOCK_ONE = r"(?:noon|midday|midnight|\d{1,2}(?:[:.]\d{2}(?::\d{2})?)?(?:am|pm|a|p)?)"
_CLOCK_LIST = _CLOCK_ONE + r"(?:(?:\s*,\s*|\s+and\s+|\s*&\s*)" + _CLOCK_ONE + r")*"
_CLOCK_PART = re.compile(
    r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2})(?::(?P<s>\d{2}))?)?(?P<ap>am|pm|a|p)?|(?P<named>noon|midday|midnight)"
)

_DURATION = (
    r"(?:half an hour|an hour and a half|a day and a half"  # before "an hour", which would stop at "and"
    r"|(?:\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s*"
    r"(?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)"
    r"(?:\s*(?:,|and)?\s*\d+(?:\.\d+)?\s*(?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?))*)"
)

_DATE = (
    r"(?P<iso>(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))"
    r"|(?P<dots>(?P<dd>\d{1,2})\.(?P<dm>\d{1,2})\.(?P<dy>\d{2,4})?)"
    r"|(?P<slash>(?P<sa>\d{1,2})/(?P<sb>\d{1,2})(?:/(?P<sy>\d{2,4}))?)"
    r"|(?:the\s+)?(?P<dmd>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<dmm>" + MONTH_RE + r")\.?(?:,?\s+(?P<dmy>\d{4}))?"
    r"|(?P<mdm>" + MONTH_RE + r")\.?\s+(?:the\s+)?(?P<mdd>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<mdy>\d{4}))?"
    r"|the\s+(?P<lastday>last\s+day)(?:\s+of\s+the\s+month)?"
    r"|the\s+(?P<mw>first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)\s+(?P<mwd>" + WEEKDAY_RE + r")"
    r"(?:\s+of\s+(?:the|this|every|each)\s+month)?"
    r"|the\s+(?P<md>\d{1,2})(?:st|nd|rd|th)?(?:\s+of\s+the\s+month)?"
    r"|(?P<mdnum>\d{1,2})(?:st|nd|rd|th)"
)
_DAY_WORDS = (
    r"(?P<word>today|tonight|tomorrow|tmrw|tmr|tommorow|tomorow|(?:the\s+)?day\s+after\s+tomorrow)"
    r"|(?P<nextweek>next\s+week|next\s+month)"
    r"|(?:(?P<wkn>next|this|on\s+the|at\s+the|on|at)\s+)?(?P<weekend>weekend)"
    r"|(?:(?P<qual>next|this|on|coming)\s+)?(?P<wd>" + _DAYLIST + r")"
)


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(r"(?:" + pattern + r")" + _B)


_RELATIVE = _rx(r"in\s+(?P<dur>" + _DURATION + r")")
_END_FOR = _rx(r"for\s+(?P<n>" + _NUM + r"|a|an)\s+(?P<unit>days?|weeks?|months?)")
_END_UNTIL = _rx(
    r"(?:until|till|til|untill|through|up\s+to|ending(?:\s+on)?)\s+(?:the\s+)?"
    r"(?:(?:(?P<uwd>" + WEEKDAY_RE + r"),?\s+)?(?P<d>" + _DATE + r")(?:,?\s+(?:at\s+)?(?P<uclock>" + _CLOCK_ONE + r"))?"
    r"|(?P<w>" + _DAY_WORDS + r"))"
)
_END_COUNT = _rx(r"(?:for\s+)?(?P<n>" + _NUM + r")\s+times(?!\s+(?:a|per|each)\s+day)")
_START = _rx(r"(?:starting|start|from|beginning)(?:\s+on)?\s+(?:(?P<d>" + _DATE + r")|(?P<w>" + _DAY_WORDS + r"))")
_PER_DAY = _rx(r"(?P<n>twice|thrice|once|" + _NUM + r")(?:\s+times)?\s+(?:a|per|each)\s+day|twice\s+daily")
_DAILY = _rx(r"(?:every|each)\s+(?:single\s+)?(?P<p>day|night|morning|evening|afternoon)|(?P<d>daily|everyday|nightly)")
_WEEKDAYS_REPEAT = _rx(r"(?:every|each|on)\s+(?P<g>weekdays?|weekends?|work\s*days?)|(?P<bare>weekdays|weekends)")
_EVERY_N_DAYS = _rx(r"every\s+(?:(?P<n>" + _NUM + r")\s+days?|(?P<other>other|second)\s+day)")
_EVERY_N_WEEKS = _rx(
    r"every\s+(?:(?P<n>" + _NUM + r")\s+weeks?|(?P<other>other|second)\s+week|week)"
    r"|(?P<w>weekly)|(?P<bi>fortnightly|bi-?weekly)"
)
_EVERY_N_MONTHS = _rx(
    r"(?:every|each)\s+(?:(?P<n>" + _NUM + r")\s+months?|(?P<other>other)\s+month|month)|(?P<m>monthly)"
)
_MONTH_DAY_REPEAT = _rx(
    r"(?:on\s+)?the\s+(?:(?P<last>last\s+day)|" + _ORD.format(g="d") + r"(?:\s+day)?)\s+of\s+(?:every|each)\s+month"
    r"|(?:every|on\s+the|the)\s+" + _ORD.format(g="w") + r"\s+(?P<wd>" + WEEKDAY_RE + r")\s+of\s+"
    r"(?:the|every|each)\s+month"
)
_EVERY_DAYS = _rx(r"(?:every|each)\s+(?P<days>" + _DAYLIST + r")")
_PLURAL_DAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)days"  # whole names: "tues" is Tuesday, not Tuesdays
_PLURAL_DAYS = _rx(r"(?:on\s+)?(?P<days>" + _PLURAL_DAY + r"(?:(?:\s*,\s*|\s+and\s+|\s*&\s*)" + _PLURAL_DAY + r")*)")
_HOURLY = _rx(
    r"every\s+(?:\d+\s+)?(?:hours?|minutes?|mins?|seconds?)(?!\s+(?:day|week|month|" + WEEKDAY_RE + r"))|hourly"
)  # "every second tuesday of the month" is no "every second"
_DAY = _rx(r"(?:on\s+)?(?:" + _DATE + r")|" + _DAY_WORDS)
_PART = _rx(
    r"(?P<tonight>tonight)|(?:this|in\s+the|in\s+an?)\s+(?P<p>morning|afternoon|evening)|(?P<atnight>at\s+night)"
    r"|(?P<bare>morning|afternoon|evening|night)"
)
_CLOCKS = _rx(r"(?:at|@|by)\s+(?P<list>" + _CLOCK_LIST + r")|(?P<bare>" + _CLOCK_LIST + r")")
_FILLER = re.compile(
    r"(?:,|and|then|please|pls|plz|o'?clock|sharp|each\s+time|once(?=\s+(?:on|at|in|today|tomorrow|next)\s))" + _B
)  # "once on thu 10 dec 2026 at 09:00", as a one-off is described
_SPACES = re.compile(r"[ ,]*")


def day_list(text: str) -> tuple[int, ...]:
    """ "mon,thu", "monday and thursday", "mon-fri", "mondays & thursdays" -> sorted weekday numbers."""
    days: set[int] = set()
    for token in re.split(r"[\s,&+/]+", re.sub(r"\s*-\s*", "-", text)):
        if not token or token in ("and", "or"):
            continue
        if "-" in token:
            lo, _, hi = token.partition("-")
            a, b = day_index(lo), day_index(hi)
            if a is not None and b is not None:
                days.update((a + i) % 7 for i in range((b - a) % 7 + 1))  # wraps: fri-mon
                continue
        index = day_index(token)
        if index is not None:
            days.add(index)
    return tuple(sorted(days))


# --- normalising and scanning ----------------------------------------------------------------------

_MERIDIEM = re.compile(r"(\d)\s*([ap])\.?\s?m\.?(?=$|[\s,])")
_CLOCK_JOIN = re.compile(r"(\d)\s*(am|pm)\b")


def normalise(text: str) -> str:
    """Lower case, one space, "8 p.m." -> "8pm", dashes unified; a final "!" or "?" dropped."""
    s = " ".join(text.replace("–", "-").replace("—", "-").lower().split())
    s = _MERIDIEM.sub(r"\1\2m", s)
    s = _CLOCK_JOIN.sub(r"\1\2", s)
    s = s.rstrip("!?").rstrip()
    if s.endswith(".") and not re.search(r"\d\.\d{1,2}\.$", s):
        s = s[:-1].rstrip()  # a sentence's full stop, not the one ending a date like "10.12."
    return s


def scan(phrase: str) -> Parts:
    """Cut a normalised phrase into its parts. Raises ScanError at the first word that is none."""
    parts = Parts()
    pos = 0
    while True:
        pos = _SPACES.match(phrase, pos).end()  # type: ignore[union-attr]  # always matches
        if pos >= len(phrase):
            return parts
        end = _one_part(phrase, pos, parts)
        if end is None:
            raise ScanError(phrase[pos:])
        pos = end


def _take(parts: Parts, name: str, text: str) -> None:
    if name in parts.seen:
        raise ScanError(text, f"twice:{name}")
    parts.seen.append(name)


def _one_part(phrase: str, pos: int, parts: Parts) -> int | None:
    for matcher in _MATCHERS:
        end = matcher(phrase, pos, parts)
        if end is not None:
            return end
    return None


def _relative(phrase: str, pos: int, parts: Parts) -> int | None:
    if (m := _RELATIVE.match(phrase, pos)) is None:
        return None
    _take(parts, "relative", m[0])
    dur = m["dur"]
    if dur == "half an hour":
        parts.relative = timedelta(minutes=30)
    elif dur == "an hour and a half":
        parts.relative = timedelta(minutes=90)
    elif dur == "a day and a half":
        parts.relative = timedelta(hours=36)
    else:
        words = dur.split()
        if words and words[0] in NUMBER_WORDS:
            dur = f"{NUMBER_WORDS[words[0]]} {' '.join(words[1:])}"
        parts.relative = parse_duration(dur)
    seconds = parts.relative.total_seconds()
    # Only days and weeks are calendar days (same clock time across a clock change); "in 24 hours" is 24 hours.
    in_days = re.fullmatch(r"(?:\S+\s*)(?:d|days?|w|wks?|weeks?)", dur.strip()) is not None or dur == "a day and a half"
    if seconds % 86400 == 0 and in_days:
        parts.relative_days = int(seconds // 86400)
    parts.relative_text = m[0]
    return m.end()


def _end(phrase: str, pos: int, parts: Parts) -> int | None:
    if m := _END_COUNT.match(phrase, pos):
        _take(parts, "end", m[0])
        parts.end = End("count", m[0], count=number(m["n"]))
        return m.end()
    if m := _END_FOR.match(phrase, pos):
        _take(parts, "end", m[0])
        n = number(m["n"])
        unit = m["unit"].rstrip("s")
        days = n * (7 if unit == "week" else 1) if unit != "month" else 0
        parts.end = End("for", m[0], length_days=days, length_months=n if unit == "month" else 0)
        return m.end()
    if m := _END_UNTIL.match(phrase, pos):
        spec = date_spec(m, m[0])
        if spec is None:
            return None
        if m["uwd"]:
            spec = _with_weekday(DateSpec("weekday", m["uwd"], weekdays=day_list(m["uwd"])), spec)
            if spec is None:
                return None
        clock = None
        if m["uclock"]:
            found = _CLOCK_PART.fullmatch(m["uclock"])
            if found is None or not (found["named"] or found["m"] or found["ap"]):
                return None  # "until 2027-03-01 9": a bare number is no time of day
            clock = _named(_clock_of(found))
        _take(parts, "end", m[0])
        parts.end = End("until", m[0], until=spec, until_clock=clock)
        return m.end()
    return None


def _start(phrase: str, pos: int, parts: Parts) -> int | None:
    if (m := _START.match(phrase, pos)) is None or (spec := date_spec(m, m[0])) is None:
        return None
    _take(parts, "start", m[0])
    parts.start = spec
    return m.end()


def _repeat(phrase: str, pos: int, parts: Parts) -> int | None:
    found = _repeat_at(phrase, pos)
    if found is None:
        return None
    repeat, end, day = found
    if repeat.per_day and parts.repeat is not None and not parts.repeat.per_day:
        # "every day twice a day" / "daily, twice a day": the count joins the repeat already read.
        parts.repeat = Repeat(
            parts.repeat.kind,
            parts.repeat.text,
            parts.repeat.every,
            parts.repeat.weekdays,
            parts.repeat.part,
            repeat.per_day,
        )
        return end
    if parts.repeat is not None and parts.repeat.per_day and not repeat.per_day:
        parts.repeat = Repeat(
            repeat.kind, repeat.text, repeat.every, repeat.weekdays, repeat.part, parts.repeat.per_day
        )
        return end
    _take(parts, "repeat", repeat.text)
    parts.repeat = repeat
    if day is not None:
        _take(parts, "day", day.text)
        parts.day = day
    return end


def _repeat_at(phrase: str, pos: int) -> tuple[Repeat, int, DateSpec | None] | None:
    if m := _HOURLY.match(phrase, pos):
        raise ScanError(m[0], "hourly")
    if m := _MONTH_DAY_REPEAT.match(phrase, pos):
        if m["wd"]:
            week = ordinal_value(m["w"], m["ww"])
            spec = DateSpec("month_weekday", m[0], weekdays=(day_index(m["wd"]) or 0,), week=week)
        else:
            spec = DateSpec("monthday", m[0], day=-1 if m["last"] else ordinal_value(m["d"], m["dw"]))
        return Repeat("monthly", m[0]), m.end(), spec
    if m := _PER_DAY.match(phrase, pos):
        n = 2 if m[0].startswith("twice") else 3 if m[0].startswith("thrice") else number(m["n"])
        return Repeat("daily", m[0], per_day=n), m.end(), None
    if m := _DAILY.match(phrase, pos):
        word = m["p"] or ("night" if m["d"] == "nightly" else None)
        return Repeat("daily", m[0], part=None if word == "day" else word), m.end(), None
    if m := _WEEKDAYS_REPEAT.match(phrase, pos):
        group = (m["g"] or m["bare"]).replace(" ", "")
        days = (5, 6) if group.startswith("weekend") else (0, 1, 2, 3, 4)
        return Repeat("weekly", m[0], weekdays=days), m.end(), None
    if m := _EVERY_N_DAYS.match(phrase, pos):
        return Repeat("interval", m[0], every=2 if m["other"] else number(m["n"])), m.end(), None
    if m := _EVERY_N_WEEKS.match(phrase, pos):
        every = 2 if (m["other"] or m["bi"]) else number(m["n"]) if m["n"] else 1
        return Repeat("weekly", m[0], every=every), m.end(), None
    if m := _EVERY_N_MONTHS.match(phrase, pos):
        every = 2 if m["other"] else number(m["n"]) if m["n"] else 1
        return Repeat("monthly", m[0], every=every), m.end(), None
    if m := _EVERY_DAYS.match(phrase, pos):
        return Repeat("weekly", m[0], weekdays=day_list(m["days"])), m.end(), None
    if m := _PLURAL_DAYS.match(phrase, pos):
        return Repeat("weekly", m[0], weekdays=day_list(m["days"])), m.end(), None
    return None


def _day(phrase: str, pos: int, parts: Parts) -> int | None:
    m = _DAY.match(phrase, pos)
    if m is None or (spec := date_spec(m, m[0])) is None:
        return None
    if m["word"] == "tonight":
        _take(parts, "part", m[0])
        parts.part, parts.part_text = "night", m[0]
    if parts.day is not None and (joined := _with_weekday(parts.day, spec)) is not None:
        parts.day = joined  # "wed 25 nov", "friday the 4th": a weekday and a date, checked to agree later
        return m.end()
    _take(parts, "day", m[0])
    parts.day = spec
    return m.end()


def _with_weekday(a: DateSpec, b: DateSpec) -> DateSpec | None:
    """One day from a weekday and a date given together (either order), or None when they are no such pair."""
    weekday, dated = (a, b) if a.kind == "weekday" else (b, a)
    if weekday.kind != "weekday" or len(weekday.weekdays) != 1 or weekday.next_ or weekday.this:
        return None
    if dated.kind not in ("date", "monthday") or dated.weekdays or dated.day == -1:
        return None
    text = f"{a.text} {b.text.removeprefix('on ')}"
    return DateSpec(
        dated.kind,
        text,
        weekdays=weekday.weekdays,
        year=dated.year,
        month=dated.month,
        day=dated.day,
        ambiguous_numeric=dated.ambiguous_numeric,
    )


def date_spec(m: re.Match[str], text: str) -> DateSpec | None:
    """The DateSpec for a match of _DATE / _DAY_WORDS groups (None when the words are no day after all)."""
    g = m.groupdict()
    text = text.removeprefix("on ")  # quoted in messages as the date itself
    if g.get("iso"):
        return DateSpec("date", text, year=int(g["iy"]), month=int(g["im"]), day=int(g["id"]))
    if g.get("dots"):
        year = int(g["dy"]) if g["dy"] else None
        if year is not None and year < 100:
            year += 2000
        return DateSpec("date", text, year=year, month=int(g["dm"]), day=int(g["dd"]))
    if g.get("slash"):
        a, b = int(g["sa"]), int(g["sb"])
        year = int(g["sy"]) if g["sy"] else None
        if year is not None and year < 100:
            year += 2000
        if a > 12 >= b:
            return DateSpec("date", text, year=year, month=b, day=a)
        if b > 12 >= a:
            return DateSpec("date", text, year=year, month=a, day=b)
        return DateSpec("date", text, year=year, month=b, day=a, ambiguous_numeric=a != b)
    if g.get("dmm"):
        return DateSpec("date", text, year=_int(g["dmy"]), month=MONTHS[g["dmm"]], day=int(g["dmd"]))
    if g.get("mdm"):
        return DateSpec("date", text, year=_int(g["mdy"]), month=MONTHS[g["mdm"]], day=int(g["mdd"]))
    if g.get("lastday"):
        return DateSpec("monthday", text, day=-1)
    if g.get("mw"):
        week = ORDINALS.get(g["mw"]) or int(g["mw"][0])
        return DateSpec("month_weekday", text, weekdays=(day_index(g["mwd"]) or 0,), week=week)
    if g.get("md") or g.get("mdnum"):
        return DateSpec("monthday", text, day=int(g.get("md") or g["mdnum"]))
    return _day_word_spec(g, text)


def _day_word_spec(g: dict[str, str | None], text: str) -> DateSpec | None:
    word = g.get("word")
    if word:
        if word in ("today", "tonight"):
            return DateSpec("offset", text, offset=0)
        if "after" in word:
            return DateSpec("offset", text, offset=2)
        return DateSpec("offset", text, offset=1)
    if g.get("nextweek"):
        return DateSpec("week" if str(g["nextweek"]).endswith("week") else "month", text, next_=True)
    if g.get("weekend"):
        return DateSpec("weekend", text, weekdays=(5,), next_=g.get("wkn") == "next", this=g.get("wkn") == "this")
    if g.get("wd"):
        days = day_list(str(g["wd"]))
        if not days:
            return None
        qual = g.get("qual")
        return DateSpec("weekday", text, weekdays=days, next_=qual == "next", this=qual in ("this", "coming"))
    return None


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _part(phrase: str, pos: int, parts: Parts) -> int | None:
    if (m := _PART.match(phrase, pos)) is None:
        return None
    _take(parts, "part", m[0])
    if m["tonight"] or m[0].startswith("this"):
        # "tonight", "this evening": today's, not the next one round.
        _take(parts, "day", m[0])
        parts.day = DateSpec("offset", m[0], offset=0)
        parts.part = "night" if m["tonight"] else m["p"]
    else:
        parts.part = "night" if m["atnight"] else (m["p"] or m["bare"])
    parts.part_text = m[0]
    return m.end()


def _clocks(phrase: str, pos: int, parts: Parts) -> int | None:
    if (m := _CLOCKS.match(phrase, pos)) is None:
        return None
    listed = m["list"] or m["bare"]
    clocks = tuple(_clock_of(c) for c in _CLOCK_PART.finditer(listed) if c[0])
    if m["bare"] is not None and all(c.bare for c in clocks):
        return None  # a bare number ("3") is no time without "at": it may be "3 times", "3 days"
    _take(parts, "clock", m[0])
    parts.clocks = tuple(_named(c) for c in clocks)
    parts.clock_text = m[0]
    return m.end()


def _clock_of(c: re.Match[str]) -> Clock:
    return Clock(
        int(c["h"] or 0), int(c["m"] or 0), int(c["s"] or 0), (c["ap"] or "")[:1] or None, bool(c["named"]), c[0]
    )


def _named(c: Clock) -> Clock:
    if c.text in ("noon", "midday"):
        return Clock(12, 0, 0, None, True, c.text)
    if c.text == "midnight":
        return Clock(0, 0, 0, None, True, c.text)
    return c


def _filler(phrase: str, pos: int, parts: Parts) -> int | None:
    m = _FILLER.match(phrase, pos)
    return m.end() if m else None


# The order matters where prefixes overlap: "in the morning" is a part of the day, not "in <duration>";
# "10 times" is an end, not a clock; "every other day" is a repeat, "the 15th of every month" a monthly one.
_MATCHERS = (_part, _relative, _end, _start, _repeat, _day, _clocks, _filler)
