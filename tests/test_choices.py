"""bot.choices: offers are taken once, only by their subject, and not after they expire."""

from __future__ import annotations

from bot.choices import MAX_OFFERS, OFFER_TTL, Choices, Option, say
from storage.memory_store import MemoryStore


def _reply(text: str) -> Option:
    return say(text, text)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_option_is_taken_once_and_answers_the_whole_offer() -> None:
    choices = Choices(MemoryStore(), Clock())
    token = choices.offer("acct", [_reply("a"), _reply("b")])
    picked = choices.take("acct", token, 1)
    assert picked is not None and picked.label == "b"
    assert choices.take("acct", token, 0) is None


def test_only_the_subject_can_take_and_bad_indexes_are_refused() -> None:
    choices = Choices(MemoryStore(), Clock())
    token = choices.offer("acct", [_reply("a")])
    assert choices.take("someone-else", token, 0) is None
    assert choices.take("acct", token, 5) is None
    assert choices.take("acct", "unknown", 0) is None
    assert choices.take("acct", token, 0) is not None


def test_offers_expire() -> None:
    clock = Clock()
    choices = Choices(MemoryStore(), clock)
    token = choices.offer("acct", [_reply("a")])
    clock.now += OFFER_TTL
    assert choices.take("acct", token, 0) is None


def test_undo_reaches_the_latest_offer_with_an_undo_only() -> None:
    choices = Choices(MemoryStore(), Clock())
    first = choices.offer("acct", [_reply("undo 1")], undo_index=0)
    choices.offer("acct", [_reply("undo 2"), _reply("other")], undo_index=0)
    latest = choices.take_undo("acct")
    assert latest is not None and latest.label == "undo 2"
    assert choices.take_undo("acct") is None  # taken; the older one is not reached by /undo
    assert choices.take("acct", first, 0) is not None  # but its own button still works


def test_the_number_of_offers_is_bounded() -> None:
    choices = Choices(MemoryStore(), Clock())
    first = choices.offer("acct", [_reply("a")], undo_index=0)
    for _ in range(MAX_OFFERS):
        choices.offer("other", [_reply("b")])
    assert len(choices) == MAX_OFFERS
    assert choices.take("acct", first, 0) is None
    assert choices.take_undo("acct") is None
