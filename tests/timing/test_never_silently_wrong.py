"""The rule above all (#13), as a property: /remind never stores a time the person did not mean.

For a generated name that mixes plain words and time words, followed by a generated when-phrase,
split_what_when either refuses, or asks (quoting the time words left in the name), or returns a reading
that is exactly its when-phrase's own reading. The when-phrase it found may have taken in time words from
the end of the name ("cream tomorrow" + "at 9pm"), but never a plain word; and a time word left in the
name without asking must agree with the when (joining it in gives the same schedule).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.timing.readings import read_when
from bot.timing.recurrence import Schedule
from bot.timing.remind_split import split_what_when
from bot.timing.timeparse import WhenParseError

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)  # Wed 2 Dec 2026, 14:00 in Berlin

PLAIN = ("cream", "back", "call", "mom", "exfoliate", "book", "peel", "water", "plants", "take", "pill", "derm",
         "face", "check", "my", "new", "the", "on", "and", "for", "with")  # fmt: skip
GLUE = frozenset({"the", "on", "and", "for", "at", "in", "of", "by", "with"})
TIME_WORDS = ("tonight", "tomorrow", "friday", "next friday", "this evening", "morning", "evening", "noon",
              "midnight", "monthly", "weekly", "every", "15th", "on the 15th", "dec 24", "10.12.", "daily",
              "weekend", "monday", "next week", "at 9", "every day", "sunday", "in the morning", "2027-01-10",
              "twice", "night", "at 7pm", "on wed", "at 8:30", "jan 5", "the 1st", "in 2 days", "mondays",
              "weekdays", "fortnightly", "until friday", "every sat", "twice a day", "for 6 weeks", "10 times",
              "3pm", "this friday", "tomorrow morning")  # fmt: skip
WHENS = ("at 9pm", "tomorrow at 9am", "every day at 21:30", "every mon,thu at 20:00", "in 10 minutes",
         "next friday at 6pm", "tonight at 10", "on the 15th at 20:00", "every month on the 1st at 9:00",
         "twice a day at 8 and 20", "every day at 21:30 for 6 weeks", "on dec 24", "in 2 days at 9",
         "friday at 6pm", "every weekday at 7:00", "this evening", "at noon", "on 10.12. at 9:00",
         "every other day at 18:00", "monthly on the 15th at 20:00", "at 20:00", "tomorrow morning",
         "every night at 10", "on the weekend at 10", "next week at 9", "every day at 8:00 and 20:00",
         "every last friday of the month at 17:00", "2027-01-10 09:00", "at 9", "in an hour")  # fmt: skip

# A piece of a name: (its tokens, whether it is about time).
piece = st.one_of(
    st.sampled_from(PLAIN).map(lambda w: (w, False)),
    st.sampled_from(TIME_WORDS).map(lambda w: (w, True)),
)
EXAMPLES = int(os.environ.get("NEVER_WRONG_EXAMPLES", "150"))


def _schedule(phrase: str) -> Schedule | None:
    try:
        return read_when(phrase, NOW, BERLIN).schedule
    except WhenParseError:
        return None


def _agrees(words: str, tail: str, schedule: Schedule) -> bool:
    return schedule in (_schedule(f"{words} {tail}"), _schedule(f"{tail} {words}"))


@settings(max_examples=EXAMPLES, deadline=None, derandomize="NEVER_WRONG_EXAMPLES" not in os.environ)
@given(name=st.lists(piece, min_size=1, max_size=5), when=st.sampled_from(WHENS))
def test_a_reminder_is_never_set_at_a_time_not_meant(name: list[tuple[str, bool]], when: str) -> None:
    what_tokens: list[str] = []
    timely: list[bool] = []  # per token: whether it came from a time word
    pieces: list[tuple[int, int]] = []  # [start, end) token spans of the time words
    for text, is_time in name:
        words = text.split()
        if is_time:
            pieces.append((len(what_tokens), len(what_tokens) + len(words)))
        what_tokens += words
        timely += [is_time] * len(words)
    text = " ".join([*what_tokens, when])
    own = _schedule(when)
    assert own is not None, when
    try:
        request = split_what_when(text, NOW, BERLIN)
    except WhenParseError as refused:
        assert refused.message  # refused, saying why: never silently wrong
        return
    if request.needs_asking:
        # It asks, quoting what it did not take, and every reading it offers is a real one.
        assert all(span in request.what for span in request.time_words)
        for folded in request.folded:
            assert folded.reading.schedule == _schedule(folded.reading.phrase)
        return
    cut = len(request.what.split())
    tail = " ".join(text.split()[cut:])
    assert request.reading.schedule == _schedule(tail), (text, request.what)
    assert cut <= len(what_tokens), (text, request.what)  # the when given is never cut into
    taken = range(cut, len(what_tokens))
    # Only time words (and the glue between them) join the when; the when alone otherwise.
    assert all(timely[i] or what_tokens[i] in GLUE for i in taken), (text, request.what)
    if not any(timely[i] for i in taken):
        assert request.reading.schedule == own, (text, request.what)
    # A time word left in the name, not asked about, must agree with the when.
    for start, end in pieces:
        left = [w for w in what_tokens[start : min(end, cut)] if w not in GLUE | {"next", "this"}]
        if left:
            kept = " ".join(what_tokens[start : min(end, cut)])
            assert _agrees(kept, tail, request.reading.schedule), (text, request.what, kept)
