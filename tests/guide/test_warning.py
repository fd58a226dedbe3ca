"""Warning signs: which questions describe one, and which safety entries they lead to."""

from __future__ import annotations

import pytest

from bot.guide import default_guide
from bot.guide.warning import AFTER_LASER, AFTER_PEEL, INFECTED, IRRITATED, NOT_ACNE, warning_entries


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("i have a fever and my back spot is hot and swollen", (INFECTED,)),
        ("there is pus and it hurts", (INFECTED,)),
        ("a mole on my back is growing", (NOT_ACNE,)),
        ("my scar is itchy and getting bigger", (NOT_ACNE,)),
        ("my back spot is bleeding", (NOT_ACNE,)),
        ("red streaks spreading from a spot", (INFECTED, NOT_ACNE)),
        ("I used a peel and my skin is blistering", (AFTER_PEEL,)),
        ("blisters after laser on my back", (AFTER_LASER,)),
        ("I scrubbed and now it blistered", (IRRITATED,)),
    ],
)
def test_a_warning_sign_leads_to_its_safety_entries(question: str, expected: tuple[str, ...]) -> None:
    assert warning_entries(question) == expected


@pytest.mark.parametrize(
    "question",
    [
        "how often should I exfoliate",
        "i tried scrubs but nothing changed much on my pitted scars, laser or peels?",
        "is my acne spreading because of my gym shirt",  # spreading, but of nothing a doctor must see soon
        "how much does laser cost",
    ],
)
def test_ordinary_questions_describe_none(question: str) -> None:
    assert warning_entries(question) == ()


def test_every_entry_a_warning_leads_to_is_a_safety_entry_of_the_guide() -> None:
    guide = default_guide()
    for entry_id in (INFECTED, NOT_ACNE, IRRITATED, AFTER_PEEL, AFTER_LASER):
        entry = guide.get(entry_id)
        assert entry is not None, entry_id
        assert "doctor" in (entry.short + entry.detail)


def test_a_warning_changes_no_decision_of_the_classifier() -> None:
    guide = default_guide()
    for question in ("a mole on my back is growing", "my pimple is swollen and hot what do i do"):
        found = guide.answer(question)
        ranked = guide.rank(question)
        assert found.warning == warning_entries(question)
        assert (found.entry is not None) == bool(ranked and guide.confident(ranked[0]))
