from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.timing.readings import Reading, parse_when, read_when
from bot.timing.recurrence import Schedule
from bot.timing.remind_split import EMPTY_WHAT_MESSAGE, MAX_JOINED_SPANS, MAX_WHEN_TOKENS, split_what_when
from bot.timing.timeparse import WhenParseError

BERLIN = ZoneInfo("Europe/Berlin")
# Wednesday 25 Mar 2026, 13:00 in Berlin (CET, +1), four days before the spring change.
NOW = datetime(2026, 3, 25, 12, 0, tzinfo=UTC)


# --- split_what_when ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "what", "when"),
    [
        ("exfoliate back every mon,thu at 20:00", "exfoliate back", "every mon,thu at 20:00"),
        ("stretch in 10m", "stretch", "in 10m"),
        ("Apply   Cream at 9pm", "Apply Cream", "at 9pm"),
        ("put cream on back at 20:00", "put cream on back", "at 20:00"),
        ("exfoliate in the shower every day at 21:30", "exfoliate in the shower", "every day at 21:30"),
        ("check scars on 10 dec", "check scars", "on 10 dec"),
        ("call derm, tomorrow at 9am", "call derm", "tomorrow at 9am"),
        ("call mom in the evening", "call mom", "in the evening"),
        ("book peel next friday at 6pm", "book peel", "next friday at 6pm"),
        ("cream tonight at 10", "cream", "tonight at 10"),
    ],
)
def test_split_what_when(text: str, what: str, when: str) -> None:
    request = split_what_when(text, NOW, BERLIN)
    assert request.what == what
    assert request.reading.schedule == parse_when(when, NOW, BERLIN)
    assert not request.needs_asking


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("water plants", "water plants"),
        ("stretch at 25:00", "25:00"),  # a recognisable but invalid time is reported as such
        ("exfoliate every mon,thu", "every mon,thu"),
        ("foo on 2020-01-01 at 09:00", "on 2020-01-01 at 09:00"),  # not silently "at 09:00"
    ],
)
def test_split_what_when_errors(text: str, quoted: str) -> None:
    with pytest.raises(WhenParseError) as err:
        split_what_when(text, NOW, BERLIN)
    assert f'"{quoted}' in err.value.message
    assert "e.g." in err.value.message or 'Try "' in err.value.message or 'like "' in err.value.message


@pytest.mark.parametrize("text", ["", "   ", "in 10m", "every day at 9", "- at 9pm"])
def test_split_what_when_needs_a_what(text: str) -> None:
    with pytest.raises(WhenParseError) as err:
        split_what_when(text, NOW, BERLIN)
    assert err.value.message == EMPTY_WHAT_MESSAGE


def test_split_what_when_long_text_stays_cheap() -> None:
    request = split_what_when("word " * 800 + "every mon at 9", NOW, BERLIN)
    assert request.what == " ".join(["word"] * 800)
    assert request.reading.schedule == Schedule("weekly", at=time(9), weekdays=(0,))
    with pytest.raises(WhenParseError):
        split_what_when("every " * 700, NOW, BERLIN)


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("twice cream at 9pm", "twice"),
        ("10.12. cream at 9pm", "10.12."),
        ("next week cream at 9pm", "next week"),
        ("at 9 cream at 9pm", "at 9"),
        ("on wed cream tomorrow at 9am", "on wed"),
        ("10 times cream at 9pm", "10 times"),
    ],
)
def test_time_words_left_in_the_name_are_asked_about(text: str, asked: str) -> None:
    request = split_what_when(text, NOW, BERLIN)
    assert request.needs_asking
    assert asked in request.time_words


@pytest.mark.parametrize("text", ["day cream at 9pm", "take 2 pills at 9pm", "week plan at 9pm", "sun cream at 9pm"])
def test_everyday_words_that_look_like_time_are_not_asked_about(text: str) -> None:
    assert not split_what_when(text, NOW, BERLIN).needs_asking


def test_a_long_name_full_of_time_words_is_asked_about_at_a_bounded_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counting(text: str, now: datetime, tz: ZoneInfo) -> Reading:
        calls.append(text)
        return read_when(text, now, tz)

    monkeypatch.setattr("bot.timing.remind_split.read_when", counting)
    request = split_what_when("cream tomorrow " * 266 + "at 9pm", NOW, BERLIN)
    assert request.needs_asking
    assert request.reading.phrase == "tomorrow at 9pm"  # the last one joins the when
    assert len(request.time_words) == 265
    # The tail is looked for in the last MAX_WHEN_TOKENS words; only the nearest spans are tried joined.
    assert len(calls) <= MAX_WHEN_TOKENS + 2 * MAX_JOINED_SPANS
