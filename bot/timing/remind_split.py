"""Cut "/remind <what> <when>" into the reminder's name and its when-phrase, never silently wrongly.

The when-phrase is the longest tail of the text that reads as one (bot.timing.readings). Words about time left
in the name ("book peel next friday ... at 6pm" where "next friday" could not be joined) are never dropped
quietly: each such span is tried as part of the when, and the caller asks the person which reading they
meant, unless joining it changes nothing ("evening cream every day at 21:00" stays as written).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.timing.readings import Reading, read_when
from bot.timing.timeparse import WhenParseError

MAX_JOINED_SPANS = 8  # time words in the name tried as part of the when: the last few, nearest to it
MAX_WHEN_TOKENS = 24  # the when-phrase is looked for only in this many trailing words: a long text stays cheap
EMPTY_WHAT_MESSAGE = "What should I remind you about? e.g. /remind stretch in 10m"
_REMIND_EXAMPLES = (
    "/remind stretch in 10m",
    "/remind exfoliate back every mon,thu at 20:00",
    "/remind cream tomorrow at 9am",
)
_WHEN_STARTERS = frozenset(
    {"in", "at", "on", "today", "tonight", "tomorrow", "every", "everyday", "daily", "weekly", "biweekly",
     "bi-weekly", "fortnightly", "monthly", "each", "next", "this", "twice"}
)  # fmt: skip

# Words that are about time whatever surrounds them. Short forms that are also everyday words ("sun" cream,
# "sat", "wed", "mar", "may") count only next to a number or another time word.
_TIME_WORDS = frozenset(
    {"today", "tonight", "tomorrow", "tmrw", "morning", "afternoon", "evening", "night", "noon", "midnight",
     "midday", "weekend", "weekends", "weekday", "weekdays", "weekly", "daily", "monthly", "fortnightly",
     "nightly", "biweekly", "every", "everyday", "yesterday", "twice", "thrice",
     "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
     "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays",
     "mon", "tue", "tues", "thu", "thur", "thurs", "fri",
     "january", "february", "april", "june", "july", "august", "september", "october", "november",
     "december", "jan", "feb", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
)  # fmt: skip
_QUALIFIERS = frozenset({"next", "this", "coming"})
_GLUE = frozenset({"on", "at", "the", "of", "in", "and", "by", "until", "from", "for", "every"})
_TIMELIKE = re.compile(
    r"\d{1,2}(?::\d{2})?(?:am|pm)|\d{1,2}:\d{2}|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\.\d{1,2}\.(?:\d{2,4})?"
    r"|\d{1,2}(?:st|nd|rd|th)|\d{1,2}/\d{1,2}(?:/\d{2,4})?"
)
_SHORT_AMBIGUOUS = frozenset({"sun", "sat", "wed", "mar", "march", "may"})
# Units of time, about time only after a number or a word that counts them ("next week", "twice a day"),
# not in "day cream" or "week plan".
_UNITS = frozenset(
    {"times", "day", "days", "week", "weeks", "month", "months", "year", "years", "hour", "hours", "minutes"}
)
_COUNTING = frozenset({"next", "this", "coming", "every", "each", "a", "an", "per", "last", "other"})


@dataclass(frozen=True, slots=True)
class Folded:
    """Another reading: `span` joined to the when-phrase, the name without it."""

    what: str
    span: str
    reading: Reading


@dataclass(frozen=True, slots=True)
class RemindRequest:
    what: str
    reading: Reading
    time_words: tuple[str, ...] = ()  # spans of the name that are about time and not part of the when
    folded: tuple[Folded, ...] = ()  # the readings with those spans joined in (possibly none)

    @property
    def needs_asking(self) -> bool:
        return bool(self.time_words)


def _clean(token: str) -> str:
    return token.lower().strip(".,;:!?()\"'")


def _is_time_word(tokens: list[str], i: int) -> bool:
    word = _clean(tokens[i])
    dotted = tokens[i].lower().strip(",;:!?()\"'")  # keeps a date's final dot: "10.12."
    if word in _TIME_WORDS or _TIMELIKE.fullmatch(word) or _TIMELIKE.fullmatch(dotted):
        return True
    neighbours = [_clean(tokens[j]) for j in (i - 1, i + 1) if 0 <= j < len(tokens)]
    if word in _QUALIFIERS:
        return bool(neighbours) and i + 1 < len(tokens) and _is_time_word(tokens, i + 1)
    if word.isdecimal() and i > 0 and _clean(tokens[i - 1]) in ("at", "@"):
        return True  # "at 9": a clock, though a bare number elsewhere ("take 2") is not
    if word in _UNITS:
        before = _clean(tokens[i - 1]) if i > 0 else ""
        return before.isdecimal() or before in _COUNTING
    if word in _SHORT_AMBIGUOUS:
        before = _clean(tokens[i - 1]) if i > 0 else ""
        if before in ("on", "every", "each", "until", "from", "till"):
            return True  # "on wed", "every sat"
        return any(n.isdecimal() or _TIMELIKE.fullmatch(n) or n in _QUALIFIERS for n in neighbours)
    return False


def time_word_spans(tokens: list[str]) -> list[tuple[int, int]]:
    """[start, end) token spans that are about time, widened over glue words ("on", "the", "at") and numbers
    that join them, so "on the 15th" or "next friday" is one span."""
    marks = [_is_time_word(tokens, i) for i in range(len(tokens))]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        if not marks[i]:
            i += 1
            continue
        start, end = i, i + 1
        while start > 0 and (_clean(tokens[start - 1]) in _GLUE | _QUALIFIERS or _clean(tokens[start - 1]).isdecimal()):
            start -= 1
        while end < len(tokens) and (
            marks[end]
            or (_clean(tokens[end]) in _GLUE and end + 1 < len(tokens) and marks[end + 1])
            or _clean(tokens[end]).isdecimal()
        ):
            end += 1
        spans.append((start, end))
        i = end
    return spans


def split_what_when(text: str, now: datetime, tz: tzinfo) -> RemindRequest:
    """Split "/remind" arguments, e.g. "exfoliate back every mon,thu at 20:00". Raises WhenParseError.

    The when-phrase starts at the earliest word from which the rest reads. An earlier word that starts
    something recognisably meant as a time but wrong ("on 2020-01-01 at 09:00" is past, "at 25:00") is
    reported rather than quietly using a later, shorter phrase and leaving the rest in the name.
    """
    tokens = text.split()
    if not tokens:
        raise WhenParseError(EMPTY_WHAT_MESSAGE)
    first_keyword_error: WhenParseError | None = None
    every_error: tuple[str, WhenParseError] | None = None
    for i in range(max(0, len(tokens) - MAX_WHEN_TOKENS), len(tokens)):
        try:
            reading = read_when(" ".join(tokens[i:]), now, tz)
        except WhenParseError as exc:
            if exc.definite:
                raise
            starter = _clean(tokens[i])
            if first_keyword_error is None and starter in _WHEN_STARTERS:
                first_keyword_error = exc
            if every_error is None and starter == "every":
                every_error = (" ".join(tokens[i:]), exc)
            continue
        if every_error is not None:
            # "every funday at 9" was meant as a repeat: never quietly turn it into a one-off "at 9".
            phrase, cause = every_error
            raise WhenParseError(f'I couldn\'t understand "{phrase[:60]}". {cause.message}', fragment=phrase)
        what_tokens = tokens[:i]
        what = " ".join(what_tokens).strip(" ,;:-")
        if not what:
            raise WhenParseError(EMPTY_WHAT_MESSAGE)
        return _with_time_words(what_tokens, reading, now, tz)
    raise _not_found(tokens, first_keyword_error)


def _with_time_words(what_tokens: list[str], reading: Reading, now: datetime, tz: tzinfo) -> RemindRequest:
    what = " ".join(what_tokens).strip(" ,;:-")
    spans = time_word_spans(what_tokens)
    if not spans:
        return RemindRequest(what, reading)
    left: list[str] = []
    folded: list[Folded] = []
    for n, (start, end) in enumerate(spans):
        span = " ".join(what_tokens[start:end])
        if n < len(spans) - MAX_JOINED_SPANS:
            left.append(span)  # far from the when in a long text: asked about, not tried (keeps the cost bounded)
            continue
        rest = " ".join(what_tokens[:start] + what_tokens[end:]).strip(" ,;:-")
        joined = _join(span, reading.phrase, now, tz)
        if joined is not None and joined.schedule == reading.schedule:
            continue  # "evening cream every day at 21:00": the word agrees with the when, keep the name
        left.append(span)
        if joined is not None and rest:
            folded.append(Folded(rest, span, joined))
    return RemindRequest(what, reading, tuple(left), tuple(folded))


def _join(span: str, when: str, now: datetime, tz: tzinfo) -> Reading | None:
    for phrase in (f"{span} {when}", f"{when} {span}"):
        try:
            return read_when(phrase, now, tz)
        except WhenParseError:
            continue
    return None


def _not_found(tokens: list[str], first_keyword_error: WhenParseError | None) -> WhenParseError:
    squashed = " ".join(tokens)
    if len(squashed) > 80:
        squashed = squashed[:79] + "…"  # quote enough to recognise, not a whole essay
    if first_keyword_error is not None:
        return WhenParseError(
            f'I couldn\'t work out when in "{squashed}". {first_keyword_error.message}', fragment=squashed
        )
    return WhenParseError(
        f'I couldn\'t find when to remind you in "{squashed}". Put it at the end, e.g. '
        + ", ".join(_REMIND_EXAMPLES[:-1])
        + f" or {_REMIND_EXAMPLES[-1]}.",
        fragment=squashed,
    )
